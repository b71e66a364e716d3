# Build HanziPad for Windows x64: dist\hanzipad-<version>-windows-x64-setup.exe (Inno Setup)
# and dist\hanzipad-<version>-windows-x64.zip (portable folder).
# NOT TESTED: written on Linux, no Windows machine was available.
#
# usage (PowerShell, from anywhere):
#   resources\packaging\windows\build-windows.ps1 [-Model DIR] [-Python PY]
# Needs: Python >= 3.10 x64 (python.org or `py` launcher), Inno Setup 6 (iscc.exe on PATH or in
# its default folder). The frozen folder holds hanzipad.exe (windowed pad) and hanzipad-cli.exe
# (console: `hanzipad-cli classify --json FILE`, `hanzipad-cli --self-test`).
param(
    [string]$Model = "",
    [string]$Python = ""
)
$ErrorActionPreference = "Stop"
$Root = (Resolve-Path "$PSScriptRoot\..\..\..").Path
$Build = Join-Path $Root "build"
$Dist = Join-Path $Root "dist"
New-Item -ItemType Directory -Force -Path $Build, $Dist | Out-Null

if (-not $Model) { $Model = Join-Path $Root "resources\model" }
foreach ($f in "model.tflite", "labels.txt", "model.json") {
    if (-not (Test-Path (Join-Path $Model $f))) {
        throw "build-windows: model bundle '$Model' has no $f; pass -Model DIR"
    }
}
$Model = (Resolve-Path $Model).Path

if (-not $Python) {
    $Venv = Join-Path $Build "pyi-venv-win"
    $Python = Join-Path $Venv "Scripts\python.exe"
    if (-not (Test-Path $Python)) {
        py -3 -m venv $Venv
        & $Python -m pip install -q --upgrade pip
        & $Python -m pip install -q "$Root[package]"
        if ($LASTEXITCODE) { throw "build-windows: pip install failed" }
    }
}
Push-Location $Root
try {
    $Version = (& $Python -c "import hanzipad; print(hanzipad.__version__)").Trim()
    $env:HANZIPAD_MODEL_DIR = $Model
    & $Python -m PyInstaller --noconfirm --log-level WARN `
        --distpath "$Build\pyi-dist" --workpath "$Build\pyi-work-win" `
        "$Root\resources\packaging\hanzipad.spec"
    if ($LASTEXITCODE) { throw "build-windows: PyInstaller failed" }
} finally { Pop-Location }

$Frozen = Join-Path $Build "pyi-dist\hanzipad"
$env:QT_QPA_PLATFORM = "offscreen"
& "$Frozen\hanzipad-cli.exe" --self-test
if ($LASTEXITCODE) { throw "build-windows: frozen self-test failed" }
Remove-Item Env:QT_QPA_PLATFORM

$Zip = Join-Path $Dist "hanzipad-$Version-windows-x64.zip"
if (Test-Path $Zip) { Remove-Item $Zip }
Compress-Archive -Path $Frozen -DestinationPath $Zip

$Iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $Iscc) { $Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $Iscc)) { throw "build-windows: Inno Setup 6 not found (winget install JRSoftware.InnoSetup)" }
& $Iscc "/DAppVersion=$Version" "/DSourceDir=$Frozen" "/DOutputDir=$Dist" "$PSScriptRoot\hanzipad.iss"
if ($LASTEXITCODE) { throw "build-windows: iscc failed" }
Write-Host "build-windows: wrote $Dist\hanzipad-$Version-windows-x64-setup.exe and $Zip"
