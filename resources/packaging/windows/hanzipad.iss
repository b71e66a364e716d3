; Inno Setup 6 script: HanziPad setup .exe from the PyInstaller folder.
; NOT TESTED: written on Linux, no Windows machine was available.
; Built by build-windows.ps1, which passes the version and folders:
;   iscc /DAppVersion=0.1.0 /DSourceDir=..\..\..\build\pyi-dist\hanzipad /DOutputDir=..\..\..\dist hanzipad.iss

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\..\build\pyi-dist\hanzipad"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\..\dist"
#endif

[Setup]
AppId={{6F0B9C52-6E0B-4C38-9A0E-2B7D5C1E8A41}
AppName=HanziPad
AppVersion={#AppVersion}
AppVerName=HanziPad {#AppVersion}
AppPublisher=HanziPad developers
AppPublisherURL=https://github.com/hanzipad/hanzipad
DefaultDirName={autopf}\HanziPad
DefaultGroupName=HanziPad
DisableProgramGroupPage=yes
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=hanzipad-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\icons\hanzipad.ico
UninstallDisplayIcon={app}\hanzipad.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "openwith"; Description: "Offer HanziPad in ""Open with"" for PNG, JPEG and BMP images"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\HanziPad"; Filename: "{app}\hanzipad.exe"
Name: "{autodesktop}\HanziPad"; Filename: "{app}\hanzipad.exe"; Tasks: desktopicon

[Registry]
Root: HKA; Subkey: "Software\Classes\Applications\hanzipad.exe\shell\open\command"; ValueType: string; ValueData: """{app}\hanzipad.exe"" ""%1"""; Flags: uninsdeletekey; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\hanzipad.exe\SupportedTypes"; ValueType: string; ValueName: ".png"; ValueData: ""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\hanzipad.exe\SupportedTypes"; ValueType: string; ValueName: ".jpg"; ValueData: ""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\hanzipad.exe\SupportedTypes"; ValueType: string; ValueName: ".jpeg"; ValueData: ""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\hanzipad.exe\SupportedTypes"; ValueType: string; ValueName: ".bmp"; ValueData: ""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\.png\OpenWithList\hanzipad.exe"; ValueType: string; ValueData: ""; Flags: uninsdeletekey; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\.jpg\OpenWithList\hanzipad.exe"; ValueType: string; ValueData: ""; Flags: uninsdeletekey; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\.jpeg\OpenWithList\hanzipad.exe"; ValueType: string; ValueData: ""; Flags: uninsdeletekey; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\.bmp\OpenWithList\hanzipad.exe"; ValueType: string; ValueData: ""; Flags: uninsdeletekey; Tasks: openwith

[Run]
Filename: "{app}\hanzipad.exe"; Description: "{cm:LaunchProgram,HanziPad}"; Flags: nowait postinstall skipifsilent
