<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>Handwriting pad for Chinese: the 3755 GB2312 level-1 characters.</source>
        <translation>汉字手写板：识别 3755 个 GB2312 一级汉字。</translation>
    </message>
    <message>
        <source>No model loaded.</source>
        <translation>未加载模型。</translation>
    </message>
    <message>
        <source>Model: {} ({} characters)</source>
        <translation>模型：{}（{} 个字）</translation>
    </message>
    <message>
        <source>Trained on:</source>
        <translation>训练数据：</translation>
    </message>
    <message>
        <source>This model was trained on data whose terms allow academic research only; commercial use needs the data owner&apos;s permission (CASIA). A model trained only on synthetic handwriting and fonts can be built with resources/train/make-default-model.</source>
        <translation>本模型的训练数据仅允许用于学术研究；商业使用须获得数据所有者（CASIA）的许可。只用合成手写和字体训练的模型可以用 resources/train/make-default-model 构建。</translation>
    </message>
    <message>
        <source>Candidate font: Noto Sans CJK SC subset (SIL OFL 1.1). App: MIT licence.</source>
        <translation>候选字字体：Noto Sans CJK SC 子集（SIL OFL 1.1）。程序：MIT 许可证。</translation>
    </message>
    <message>
        <source>Word list, pinyin and meanings:</source>
        <translation>词表、拼音和释义：</translation>
    </message>
    <message>
        <source>About HanziPad</source>
        <translation>关于汉字手写板</translation>
    </message>
    <message>
        <source>More</source>
        <translation>更多</translation>
    </message>
    <message>
        <source>More candidates</source>
        <translation>更多候选字</translation>
    </message>
    <message>
        <source>Add stroke</source>
        <translation>添加笔画</translation>
    </message>
    <message>
        <source>Clear canvas</source>
        <translation>清除画布</translation>
    </message>
    <message>
        <source>Erase strokes</source>
        <translation>擦除笔画</translation>
    </message>
    <message>
        <source>Commit {}</source>
        <translation>上屏 {}</translation>
    </message>
    <message>
        <source>Replace {} with {}</source>
        <translation>把 {} 换成 {}</translation>
    </message>
    <message>
        <source>Delete {}</source>
        <translation>删除 {}</translation>
    </message>
    <message>
        <source>Clear text</source>
        <translation>清除文字</translation>
    </message>
    <message>
        <source>no such file or folder</source>
        <translation>文件或文件夹不存在</translation>
    </message>
    <message>
        <source>permission denied</source>
        <translation>没有权限</translation>
    </message>
    <message>
        <source>the disk is full</source>
        <translation>磁盘已满</translation>
    </message>
    <message>
        <source>read-only file system</source>
        <translation>只读文件系统</translation>
    </message>
    <message>
        <source>a part of the path is not a folder</source>
        <translation>路径中有一部分不是文件夹</translation>
    </message>
    <message>
        <source>is a folder, not a file</source>
        <translation>是文件夹，不是文件</translation>
    </message>
    <message>
        <source>file name too long</source>
        <translation>文件名太长</translation>
    </message>
    <message>
        <source>input/output error</source>
        <translation>输入/输出错误</translation>
    </message>
    <message>
        <source>disk quota exceeded</source>
        <translation>超出磁盘配额</translation>
    </message>
    <message>
        <source>stroke {stroke} point {point}</source>
        <translation>第 {stroke} 笔第 {point} 点</translation>
    </message>
    <message>
        <source>stroke {stroke}</source>
        <translation>第 {stroke} 笔</translation>
    </message>
    <message>
        <source>a folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>a FIFO (named pipe)</source>
        <translation>命名管道（FIFO）</translation>
    </message>
    <message>
        <source>a character device</source>
        <translation>字符设备</translation>
    </message>
    <message>
        <source>a block device</source>
        <translation>块设备</translation>
    </message>
    <message>
        <source>a socket</source>
        <translation>套接字</translation>
    </message>
    <message>
        <source>a special file</source>
        <translation>特殊文件</translation>
    </message>
    <message>
        <source>no such file</source>
        <translation>文件不存在</translation>
    </message>
    <message>
        <source>cannot read the file (permission denied)</source>
        <translation>没有读取权限</translation>
    </message>
    <message>
        <source>is a folder, not an image</source>
        <translation>是文件夹，不是图片</translation>
    </message>
    <message>
        <source>not a regular file but a folder; refused unread</source>
        <translation>是文件夹，不是文件；未读取</translation>
    </message>
    <message>
        <source>expected a list of points</source>
        <translation>应为点的列表</translation>
    </message>
    <message>
        <source>expected [x, y], [x, y, t] or [x, y, t, pressure]</source>
        <translation>点应为 [x, y]、[x, y, t] 或 [x, y, t, 压力]</translation>
    </message>
    <message>
        <source>expected a JSON object with &apos;strokes&apos;</source>
        <translation>应为含有 &apos;strokes&apos; 的 JSON 对象</translation>
    </message>
    <message>
        <source>no &apos;strokes&apos; key</source>
        <translation>缺少 &apos;strokes&apos; 键</translation>
    </message>
    <message>
        <source>&apos;strokes&apos; must be a list</source>
        <translation>&apos;strokes&apos; 必须是列表</translation>
    </message>
    <message>
        <source>expected a JSON object</source>
        <translation>应为 JSON 对象</translation>
    </message>
    <message>
        <source>the model&apos;s outputs are not finite (NaN or infinity): a diverged training run or a damaged file; train or export it again</source>
        <translation>模型的输出不是有限数（NaN 或无穷大）：训练发散或文件已损坏；请重新训练或导出</translation>
    </message>
    <message>
        <source>no labels</source>
        <translation>没有标签</translation>
    </message>
    <message>
        <source>line {line}</source>
        <extracomment>a line of a file (&quot;line 12&quot;)</extracomment>
        <translation>第 {line} 行</translation>
    </message>
    <message>
        <source>is {kind}, not a regular file</source>
        <extracomment>{kind} is &quot;a FIFO (named pipe)&quot;, &quot;a socket&quot;…</extracomment>
        <translation>是{kind}，不是普通文件</translation>
    </message>
    <message>
        <source>the file is read-only</source>
        <translation>文件是只读的</translation>
    </message>
    <message>
        <source>not a regular file but {kind}; refused unread</source>
        <translation>是{kind}，不是普通文件；未读取</translation>
    </message>
    <message>
        <source>cannot read the file ({reason})</source>
        <translation>无法读取文件（{reason}）</translation>
    </message>
    <message>
        <source>cannot read ({reason})</source>
        <translation>无法读取（{reason}）</translation>
    </message>
    <message>
        <source>{size:,} bytes, more than the {limit:,} allowed</source>
        <translation>{size:,} 字节，超过允许的 {limit:,} 字节</translation>
    </message>
    <message>
        <source>more than the {limit:,} bytes allowed</source>
        <translation>超过允许的 {limit:,} 字节</translation>
    </message>
    <message>
        <source>a number with more than {limit} digits</source>
        <translation>数字超过 {limit} 位</translation>
    </message>
    <message>
        <source>a number too large for a float ({start}…)</source>
        <translation>数字太大，超出浮点数范围（{start}…）</translation>
    </message>
    <message>
        <source>{text} is not a number JSON allows</source>
        <translation>{text} 不是 JSON 允许的数字</translation>
    </message>
    <message>
        <source>not valid JSON ({detail})</source>
        <translation>不是有效的 JSON（{detail}）</translation>
    </message>
    <message>
        <source>nested deeper than {limit} levels</source>
        <translation>嵌套超过 {limit} 层</translation>
    </message>
    <message>
        <source>not valid JSON (not UTF-8 text at byte {offset})</source>
        <translation>不是有效的 JSON（第 {offset} 字节处不是 UTF-8 文本）</translation>
    </message>
    <message>
        <source>the ink spans only {extent:.3g} units, too small to draw (at least {minimum:g}, or a single point)</source>
        <translation>笔迹只有 {extent:.3g} 个单位大，太小，无法显示（至少 {minimum:g}，或只有一个点）</translation>
    </message>
    <message>
        <source>expected a number, got {value}</source>
        <translation>应为数字，实际是 {value}</translation>
    </message>
    <message>
        <source>number with {digits} digits is too large</source>
        <translation>数字太大（{digits} 位）</translation>
    </message>
    <message>
        <source>number with {digits} digits is too large (at most {limit})</source>
        <translation>数字太大（{digits} 位，最多 {limit} 位）</translation>
    </message>
    <message>
        <source>coordinate is not finite ({value})</source>
        <translation>坐标不是有限数（{value}）</translation>
    </message>
    <message>
        <source>non-finite number {name} in coordinates</source>
        <translation>坐标中有非有限数 {name}</translation>
    </message>
    <message>
        <source>{value:.3g} is outside the accepted range (±{limit:g})</source>
        <translation>{value:.3g} 超出允许范围（±{limit:g}）</translation>
    </message>
    <message>
        <source>not valid JSON ({detail} at line {line} column {column})</source>
        <extracomment>{detail} is Python&apos;s English description (&quot;Expecting value&quot;)</extracomment>
        <translation>不是有效的 JSON（第 {line} 行第 {column} 列：{detail}）</translation>
    </message>
    <message>
        <source>JSON nested too deeply (an ink is a few levels deep)</source>
        <translation>JSON 嵌套太深</translation>
    </message>
    <message>
        <source>not UTF-8 text (byte 0x{byte:02x} at offset {offset})</source>
        <translation>不是 UTF-8 文本（偏移 {offset} 处的字节 0x{byte:02x}）</translation>
    </message>
    <message>
        <source>larger than {size}, too large for an ink file</source>
        <translation>超过 {size}，笔迹文件太大</translation>
    </message>
    <message>
        <source>line longer than {size}, too large for one ink</source>
        <translation>这一行超过 {size}，单个笔迹太大</translation>
    </message>
    <message>
        <source>{points:,} points: larger than {size} even in whole units, too large for an ink file</source>
        <translation>{points:,} 个点：即使取整也超过 {size}，笔迹文件太大</translation>
    </message>
    <message>
        <source>image too large ({width}x{height} pixels; the limit is {limit:,} pixels)</source>
        <translation>图片太大（{width}x{height} 像素；上限为 {limit:,} 像素）</translation>
    </message>
    <message>
        <source>image too large (decompression bomb limit)</source>
        <translation>图片太大（超出解压炸弹限制）</translation>
    </message>
    <message>
        <source>image has no pixels ({width}x{height})</source>
        <translation>图片没有像素（{width}x{height}）</translation>
    </message>
    <message>
        <source>cannot be read (permission denied)</source>
        <translation>没有读取权限</translation>
    </message>
    <message>
        <source>not an image file HanziPad opens (it opens {formats} images)</source>
        <extracomment>{formats} lists image formats (&quot;PNG, JPEG, BMP&quot;)</extracomment>
        <translation>不是 HanziPad 能打开的图片文件（支持 {formats}）</translation>
    </message>
    <message>
        <source>corrupt or truncated image ({detail})</source>
        <translation>图片已损坏或不完整（{detail}）</translation>
    </message>
    <message>
        <source>cannot use this image ({detail})</source>
        <translation>无法使用这张图片（{detail}）</translation>
    </message>
    <message>
        <source>expected a 2-D or 3-D image array, got shape {shape}</source>
        <translation>应为二维或三维图片数组，实际形状是 {shape}</translation>
    </message>
    <message>
        <source>model bundle not found: {path}</source>
        <translation>找不到模型包：{path}</translation>
    </message>
    <message>
        <source>a model bundle is a folder (with {files})</source>
        <translation>模型包应是一个文件夹（含 {files}）</translation>
    </message>
    <message>
        <source>incomplete model bundle, missing {missing}</source>
        <translation>模型包不完整，缺少 {missing}</translation>
    </message>
    <message>
        <source>{meta} says {classes} classes but {labels} has {lines} lines</source>
        <translation>{meta} 写的是 {classes} 类，但 {labels} 有 {lines} 行</translation>
    </message>
    <message>
        <source>made for preprocessing convention {theirs}, this HanziPad uses {ours}; export the model again with this version</source>
        <translation>模型是为预处理约定 {theirs} 制作的，本 HanziPad 使用约定 {ours}；请用此版本重新导出模型</translation>
    </message>
    <message>
        <source>input size {theirs} is not {ours}</source>
        <translation>输入尺寸 {theirs} 不是 {ours}</translation>
    </message>
    <message>
        <source>its SHA-256 ({digest}…) is not the one {meta} records ({recorded}…): the file is damaged or was replaced; reinstall or export the model again</source>
        <translation>它的 SHA-256（{digest}…）与 {meta} 记录的（{recorded}…）不一致：文件已损坏或被替换；请重新安装或重新导出模型</translation>
    </message>
    <message>
        <source>missing keys {keys}</source>
        <translation>缺少键 {keys}</translation>
    </message>
    <message>
        <source>format is {found}, expected {expected}</source>
        <translation>格式是 {found}，应为 {expected}</translation>
    </message>
    <message>
        <source>bundle format version {version} is not supported</source>
        <translation>不支持模型包格式版本 {version}</translation>
    </message>
    <message>
        <source>{key} must be a positive integer, got {value}</source>
        <translation>{key} 必须是正整数，实际是 {value}</translation>
    </message>
    <message>
        <source>classes is {classes:.3g}, more than the {limit:,} a bundle may have</source>
        <translation>类别数为 {classes:.3g}，超过模型包允许的 {limit:,}</translation>
    </message>
    <message>
        <source>sha256 must be 64 hexadecimal digits, got {value}</source>
        <translation>sha256 必须是 64 位十六进制数字，实际是 {value}</translation>
    </message>
    <message>
        <source>cannot read labels</source>
        <translation>无法读取标签</translation>
    </message>
    <message>
        <source>cannot read labels ({detail})</source>
        <translation>无法读取标签（{detail}）</translation>
    </message>
    <message>
        <source>line {line} is not a single label ({label})</source>
        <translation>第 {line} 行不是单个标签（{label}）</translation>
    </message>
    <message>
        <source>not a valid TFLite model ({detail})</source>
        <translation>不是有效的 TFLite 模型（{detail}）</translation>
    </message>
    <message>
        <source>expected one input and one output (and the feature vector as a second output)</source>
        <translation>模型应有一个输入和一个输出（特征向量可作为第二个输出）</translation>
    </message>
    <message>
        <source>input shape {shape} is not [batch, {size}, {size}, 1]</source>
        <translation>输入形状 {shape} 不是 [batch, {size}, {size}, 1]</translation>
    </message>
    <message>
        <source>the model has {outputs} outputs but labels.txt lists {classes} characters</source>
        <translation>模型有 {outputs} 个输出，但 labels.txt 列出了 {classes} 个字</translation>
    </message>
    <message>
        <source>output shape {shape} is not [1, {classes}]</source>
        <translation>输出形状 {shape} 不是 [1, {classes}]</translation>
    </message>
    <message>
        <source>the model has no feature output (run hanzipad-train prototypes on the bundle)</source>
        <translation>模型没有特征输出（请对模型包运行 hanzipad-train prototypes）</translation>
    </message>
    <message>
        <source>the model&apos;s scores are not finite (NaN or infinity); the model bundle is broken</source>
        <translation>模型的得分不是有限数（NaN 或无穷大）；模型包已损坏</translation>
    </message>
    <message>
        <source>no model runtime: install ai-edge-litert (or TensorFlow) to run the recognizer</source>
        <translation>没有模型运行库：请安装 ai-edge-litert（或 TensorFlow）</translation>
    </message>
    <message>
        <source>its SHA-256 is not the one model.json records: the file is damaged or was replaced</source>
        <translation>它的 SHA-256 与 model.json 记录的不一致：文件已损坏或被替换</translation>
    </message>
    <message>
        <source>not readable adaptation data ({detail})</source>
        <translation>无法读取的适应数据（{detail}）</translation>
    </message>
    <message>
        <source>shapes {prototypes}, {weights} do not fit the bundle&apos;s {classes} classes</source>
        <translation>形状 {prototypes}、{weights} 与模型包的 {classes} 个类别不符</translation>
    </message>
    <message>
        <source>holds values that are not finite</source>
        <translation>含有非有限数值</translation>
    </message>
    <message>
        <source>model.json does not say where the last dense layer&apos;s weights are</source>
        <translation>model.json 没有说明最后一个全连接层的权重在哪里</translation>
    </message>
    <message>
        <source>shorter than model.json&apos;s weights need</source>
        <translation>比 model.json 所记录的权重所需的长度短</translation>
    </message>
    <message>
        <source>cannot read the profile ({reason})</source>
        <translation>无法读取笔迹档案（{reason}）</translation>
    </message>
    <message>
        <source>larger than {mib} MiB, not a HanziPad profile</source>
        <translation>大于 {mib} MiB，不是 HanziPad 笔迹档案</translation>
    </message>
    <message>
        <source>not a HanziPad profile (not UTF-8 text)</source>
        <translation>不是 HanziPad 笔迹档案（不是 UTF-8 文本）</translation>
    </message>
    <message>
        <source>damaged or truncated profile ({detail})</source>
        <translation>笔迹档案已损坏或不完整（{detail}）</translation>
    </message>
    <message>
        <source>not a HanziPad profile (no &quot;format&quot;: &quot;{format}&quot;)</source>
        <translation>不是 HanziPad 笔迹档案（没有 &quot;format&quot;: &quot;{format}&quot;）</translation>
    </message>
    <message>
        <source>damaged profile (version {version})</source>
        <translation>笔迹档案已损坏（版本 {version}）</translation>
    </message>
    <message>
        <source>made by a newer HanziPad (profile version {version}, this one reads up to {supported})</source>
        <translation>由更新版本的 HanziPad 创建（笔迹档案版本 {version}，本版本最高只能读取 {supported}）</translation>
    </message>
    <message>
        <source>damaged profile ({detail})</source>
        <translation>笔迹档案已损坏（{detail}）</translation>
    </message>
    <message>
        <source>learn takes ink files (.json or .jsonl with a &quot;label&quot;)</source>
        <extracomment>what &quot;hanzipad learn&quot; says of the labelled ink it is given</extracomment>
        <translation>learn 只接受笔迹文件（带 &quot;label&quot; 的 .json 或 .jsonl）</translation>
    </message>
    <message>
        <source>no &quot;label&quot; (the character this ink is)</source>
        <translation>没有 &quot;label&quot;（这个笔迹是哪个字）</translation>
    </message>
    <message>
        <source>ink has no strokes</source>
        <translation>笔迹没有笔画</translation>
    </message>
    <message>
        <source>&quot;weight&quot; must be a number in (0, 1], got {weight}</source>
        <translation>&quot;weight&quot; 必须是 (0, 1] 之间的数，实际为 {weight}</translation>
    </message>
    <message>
        <source>no ink in this file</source>
        <translation>这个文件里没有笔迹</translation>
    </message>
    <message>
        <source>no ink found (blank image)</source>
        <translation>没有找到笔迹（空白图片）</translation>
    </message>
    <message>
        <source>cannot draw this ink ({detail})</source>
        <translation>无法绘制这个笔迹（{detail}）</translation>
    </message>
    <message>
        <source>cannot read the word list ({reason})</source>
        <translation>无法读取词表（{reason}）</translation>
    </message>
    <message>
        <source>larger than {mib} MiB, not a HanziPad word list</source>
        <translation>大于 {mib} MiB，不是 HanziPad 词表</translation>
    </message>
    <message>
        <source>not a HanziPad word list (not UTF-8 text)</source>
        <translation>不是 HanziPad 词表（不是 UTF-8 文本）</translation>
    </message>
    <message>
        <source>damaged or truncated word list ({detail})</source>
        <translation>词表已损坏或不完整（{detail}）</translation>
    </message>
    <message>
        <source>not a HanziPad word list (no &quot;format&quot;: &quot;{format}&quot;)</source>
        <translation>不是 HanziPad 词表（没有 &quot;format&quot;: &quot;{format}&quot;）</translation>
    </message>
    <message>
        <source>damaged word list (version {version})</source>
        <translation>词表已损坏（版本 {version}）</translation>
    </message>
    <message>
        <source>made by a newer HanziPad (word list version {version}, this one reads up to {supported})</source>
        <translation>由更新版本的 HanziPad 创建（词表版本 {version}，本版本最高只能读取 {supported}）</translation>
    </message>
    <message>
        <source>damaged word list (no list of words)</source>
        <translation>词表已损坏（没有词语列表）</translation>
    </message>
    <message>
        <source>damaged word list (entry {entry}: {item})</source>
        <translation>词表已损坏（第 {entry} 项：{item}）</translation>
    </message>
    <message>
        <source>damaged word list ({word} listed twice)</source>
        <translation>词表已损坏（{word} 出现了两次）</translation>
    </message>
    <message>
        <source>{problem}; kept as {aside}, starting a new word list</source>
        <extracomment>{problem} says why the writer&apos;s word list cannot be used; {aside} is the new name of the file</extracomment>
        <translation>{problem}；已另存为 {aside}，将新建词表</translation>
    </message>
    <message>
        <source>{problem}; starting a new word list (could not rename it: {reason})</source>
        <translation>{problem}；将新建词表（无法重命名原文件：{reason}）</translation>
    </message>
    <message>
        <source>{problem}; reading without the writer&apos;s words</source>
        <translation>{problem}；不使用你的词表继续识别</translation>
    </message>
    <message>
        <source>lexicon file not found</source>
        <translation>找不到词库文件</translation>
    </message>
    <message>
        <source>not UTF-8 text (byte {offset})</source>
        <translation>不是 UTF-8 文本（第 {offset} 字节）</translation>
    </message>
    <message>
        <source>not a HanziPad lexicon file (first line should start with {magic})</source>
        <translation>不是 HanziPad 词库文件（第一行应以 {magic} 开头）</translation>
    </message>
    <message>
        <source>the first line does not say how many entries follow</source>
        <translation>第一行没有说明后面有多少条目</translation>
    </message>
    <message>
        <source>truncated (the last line is incomplete)</source>
        <translation>文件不完整（最后一行没有结束）</translation>
    </message>
    <message>
        <source>truncated or damaged: {lines} entries, the header says {expected}</source>
        <translation>文件不完整或已损坏：有 {lines} 个条目，文件头写的是 {expected} 个</translation>
    </message>
    <message>
        <source>line {line} is malformed ({text}); expected {fields} tab-separated fields</source>
        <translation>第 {line} 行格式错误（{text}）；应为 {fields} 个以制表符分隔的字段</translation>
    </message>
    <message>
        <source>{word} has spaces</source>
        <translation>{word} 含有空格</translation>
    </message>
    <message>
        <source>count {count} has more than {limit} digits</source>
        <translation>次数 {count} 超过 {limit} 位数</translation>
    </message>
    <message>
        <source>count {count} is not a whole number</source>
        <translation>次数 {count} 不是整数</translation>
    </message>
    <message>
        <source>count must be positive</source>
        <translation>次数必须是正数</translation>
    </message>
    <message>
        <source>words are not sorted (or repeated): {before} then {after}</source>
        <translation>词语没有排序（或有重复）：{before} 之后是 {after}</translation>
    </message>
    <message>
        <source>{char} is not one character</source>
        <translation>{char} 不是单个字符</translation>
    </message>
    <message>
        <source>{char} is listed twice</source>
        <translation>{char} 出现了两次</translation>
    </message>
    <message>
        <source>{char} has no reading</source>
        <translation>{char} 没有读音</translation>
    </message>
    <message>
        <source>the scorer gave scores of shape {shape} for {images} images of {classes} classes</source>
        <translation>评分器为 {images} 张图像、{classes} 个类别给出了形状为 {shape} 的分数</translation>
    </message>
    <message>
        <source>too much ink for one line: {count} strokes (at most {limit}); write a shorter line</source>
        <translation>一行的笔迹太多：{count} 笔（最多 {limit} 笔）；请写短一些</translation>
    </message>
    <message>
        <source>too much ink for one line: {count} separate parts (at most {limit}); write a shorter line</source>
        <translation>一行的笔迹太多：{count} 个分开的部分（最多 {limit} 个）；请写短一些</translation>
    </message>
    <message>
        <source>expected a JSON list of sources</source>
        <translation>应为来源的 JSON 列表</translation>
    </message>
    <message>
        <source>source {number} needs a name and a licence</source>
        <translation>第 {number} 个来源需要名称和许可证</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <extracomment>how a file name or place (%1) and what is wrong there (%2) are joined</extracomment>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>the file is read-only; it was not changed</source>
        <translation>文件是只读的，未作修改</translation>
    </message>
    <message>
        <source>not a regular file</source>
        <translation>不是普通文件</translation>
    </message>
    <message>
        <source>HanziPad</source>
        <translation>汉字手写板</translation>
    </message>
    <message>
        <source>Write a character here</source>
        <translation>在这里写一个字</translation>
    </message>
    <message>
        <source>Images and ink ({})</source>
        <translation>图片和笔迹 ({})</translation>
    </message>
    <message>
        <source>Images ({})</source>
        <translation>图片 ({})</translation>
    </message>
    <message>
        <source>Ink ({})</source>
        <translation>笔迹 ({})</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Picked characters appear here</source>
        <translation>选中的字会出现在这里</translation>
    </message>
    <message>
        <source>Copy all</source>
        <translation>全部复制</translation>
    </message>
    <message>
        <source>model not loaded</source>
        <translation>模型未加载</translation>
    </message>
    <message>
        <source>Settings reset: {}</source>
        <translation>设置已重置：{}</translation>
    </message>
    <message>
        <source>Backspace: the last stroke, or the character before the cursor</source>
        <translation>退格：删除最后一笔，或光标前的字</translation>
    </message>
    <message>
        <source>Delete: clear the box, or the character after the cursor</source>
        <translation>删除：清空书写框，或删除光标后的字</translation>
    </message>
    <message>
        <source>Space: commit the top candidate, or type a space</source>
        <translation>空格：输入第一个候选字，或输入空格</translation>
    </message>
    <message>
        <source>Enter: commit the top candidate, or start a new line</source>
        <translation>回车：输入第一个候选字，或换行</translation>
    </message>
    <message>
        <source>Back to the full window</source>
        <translation>回到完整窗口</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>&amp;Save ink…</source>
        <translation>保存笔迹(&amp;S)…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <source>&amp;Clear</source>
        <translation>清除(&amp;C)</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Copy &amp;all</source>
        <translation>全部复制(&amp;A)</translation>
    </message>
    <message>
        <source>Clear &amp;text</source>
        <translation>清除文字(&amp;T)</translation>
    </message>
    <message>
        <source>Backspace</source>
        <translation>退格</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Space</source>
        <translation>空格</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>回车</translation>
    </message>
    <message>
        <source>Always on &amp;top</source>
        <translation>窗口置顶(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Compact</source>
        <translation>紧凑模式(&amp;C)</translation>
    </message>
    <message>
        <source>A small floating pad in a corner of the screen</source>
        <translation>屏幕角落的小浮动手写板</translation>
    </message>
    <message>
        <source>Stay above other windows without taking the keyboard; picks are typed into the program you write in</source>
        <translation>停留在其他窗口之上，不占用键盘；选中的字会输入到你正在写字的程序中</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Cannot adapt to your hand: {}</source>
        <translation>无法适应你的笔迹：{}</translation>
    </message>
    <message>
        <source>{}; kept aside as {}, starting a new profile</source>
        <translation>{}；已另存为 {}，将新建笔迹档案</translation>
    </message>
    <message>
        <source>Cannot save your handwriting profile {}: {}</source>
        <translation>无法保存你的笔迹档案 {}：{}</translation>
    </message>
    <message>
        <source>Cannot save your word list {}: {}</source>
        <translation>无法保存你的词表 {}：{}</translation>
    </message>
    <message>
        <source>&amp;Learn from my handwriting</source>
        <translation>学习我的笔迹(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Forget my handwriting</source>
        <translation>忘记我的笔迹(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Restore my handwriting</source>
        <translation>恢复我的笔迹(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>Your handwriting is forgotten (Edit &gt; Restore my handwriting brings it back until HanziPad exits)</source>
        <translation>已忘记你的笔迹（在退出汉字手写板之前，可用“编辑 &gt; 恢复我的笔迹”找回）</translation>
    </message>
    <message>
        <source>adapted to your hand: {} characters</source>
        <translation>已适应你的笔迹：{} 个字</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;About HanziPad</source>
        <translation>关于汉字手写板(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Pen width</source>
        <translation>笔宽</translation>
    </message>
    <message>
        <source>loading model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>model: {}</source>
        <translation>模型：{}</translation>
    </message>
    <message>
        <source>No model: {}</source>
        <translation>没有可用的模型：{}</translation>
    </message>
    <message>
        <source>Model problem</source>
        <translation>模型有问题</translation>
    </message>
    <message>
        <source>Drawing still works, but no candidates can be shown.</source>
        <translation>仍然可以书写，但无法显示候选字。</translation>
    </message>
    <message>
        <source>recognition failed: {}</source>
        <translation>识别失败：{}</translation>
    </message>
    <message>
        <source>Writing works without word suggestions: {}</source>
        <translation>可以书写，但没有词语联想：{}</translation>
    </message>
    <message>
        <source>Write the next character here</source>
        <translation>在这里写下一个字</translation>
    </message>
    <message>
        <source>Delete stroke</source>
        <translation>删除笔画</translation>
    </message>
    <message>
        <source>Type {}</source>
        <translation>键入 {}</translation>
    </message>
    <message>
        <source>Picks are copied to the clipboard (paste them): {}</source>
        <translation>选中的字会复制到剪贴板（请粘贴）：{}</translation>
    </message>
    <message>
        <source>Always on top: the keyboard stays with the program you write in (digits, Space and Esc too); click the pad&apos;s candidates and keys</source>
        <translation>置顶：键盘仍归你正在输入的程序（数字、空格和 Esc 也是）；请点击手写板上的候选字和按键</translation>
    </message>
    <message>
        <source>Picks stay in the pad: cannot type into other programs here</source>
        <translation>选中的字留在手写板中：此处无法向其他程序输入</translation>
    </message>
    <message>
        <source>Changed in the pad only (the other program did not get it from the pad)</source>
        <extracomment>the other program did not get that text from the pad</extracomment>
        <translation>只改了手写板里的文字（另一个程序里的这段文字不是手写板输入的）</translation>
    </message>
    <message>
        <source>Changed in the pad only (the other program was used since the pad typed)</source>
        <translation>只改了手写板里的文字（手写板输入之后，另一个程序被使用过）</translation>
    </message>
    <message>
        <source>Copied all text</source>
        <translation>已复制全部文字</translation>
    </message>
    <message>
        <source>Open image or ink</source>
        <translation>打开图片或笔迹</translation>
    </message>
    <message>
        <source>{} more files ignored</source>
        <translation>另外 {} 个文件未打开</translation>
    </message>
    <message>
        <source>Opening {}…</source>
        <translation>正在打开 {}…</translation>
    </message>
    <message>
        <source>Cannot open file</source>
        <translation>无法打开文件</translation>
    </message>
    <message>
        <source>Open {}</source>
        <translation>打开 {}</translation>
    </message>
    <message>
        <source>Opened {}</source>
        <translation>已打开 {}</translation>
    </message>
    <message>
        <source>no usable ink line in this file</source>
        <translation>这个文件里没有可用的笔迹行</translation>
    </message>
    <message>
        <source>no strokes to show (the stroke list is empty)</source>
        <translation>没有可显示的笔画（笔画列表为空）</translation>
    </message>
    <message>
        <source>Cannot save file</source>
        <translation>无法保存文件</translation>
    </message>
    <message>
        <source>Nothing to save: draw a character first.</source>
        <translation>没有可保存的内容：请先写一个字。</translation>
    </message>
    <message>
        <source>Save ink</source>
        <translation>保存笔迹</translation>
    </message>
    <message>
        <source>Ink (*.json)</source>
        <translation>笔迹 (*.json)</translation>
    </message>
    <message>
        <source>Saving {}…</source>
        <translation>正在保存 {}…</translation>
    </message>
    <message>
        <source>Saved {}</source>
        <translation>已保存 {}</translation>
    </message>
    <message>
        <source>{} ({} characters)</source>
        <translation>{}（{} 个字）</translation>
    </message>
    <message>
        <source>Symbols: {}</source>
        <translation>符号：{}</translation>
    </message>
    <message>
        <source>Write a phrase here, left to right</source>
        <translation>在这里从左到右写一句话</translation>
    </message>
    <message>
        <source>Remove the last stroke</source>
        <translation>删除最后一笔</translation>
    </message>
    <message>
        <source>Clear the line</source>
        <translation>清除这一行</translation>
    </message>
    <message>
        <source>Commit the line into the text</source>
        <translation>把这一行放进文字</translation>
    </message>
    <message>
        <source>Commit</source>
        <translation>确认</translation>
    </message>
    <message>
        <source>Click for other characters</source>
        <translation>点击选择其他字</translation>
    </message>
    <message>
        <source>cannot read this line: {}</source>
        <translation>无法识别这一行：{}</translation>
    </message>
    <message>
        <source>reading…</source>
        <translation>正在识别…</translation>
    </message>
    <message>
        <source>&amp;Line</source>
        <translation>整行书写(&amp;L)</translation>
    </message>
    <message>
        <source>Write a whole phrase in one wide box</source>
        <translation>在一个宽框里写一整句</translation>
    </message>
    <message>
        <source>settings file {path}: {why}; it cannot be moved aside ({error})</source>
        <translation>设置文件 {path}：{why}；无法移到一边（{error}）</translation>
    </message>
    <message>
        <source>settings file {path}: {why}; moved aside to {name}, starting afresh</source>
        <translation>设置文件 {path}：{why}；已移到 {name}，重新开始</translation>
    </message>
    <message>
        <source>settings file {path}: values that cannot be read ({keys}); they cannot be moved aside, the defaults are used</source>
        <translation>设置文件 {path}：有无法读取的值（{keys}）；无法移到一边，使用默认值</translation>
    </message>
    <message>
        <source>settings file {path}: values that cannot be read ({keys}): cannot be removed ({error}); a copy is kept as {copy}</source>
        <translation>设置文件 {path}：有无法读取的值（{keys}）：无法删除（{error}）；副本保存为 {copy}</translation>
    </message>
    <message>
        <source>settings file {path}: values that cannot be read ({keys}) removed; the file as it was is kept as {copy}</source>
        <translation>设置文件 {path}：已删除无法读取的值（{keys}）；原文件保存为 {copy}</translation>
    </message>
    <message>
        <source>settings file {path}: {key} cannot be read ({reason}); the default is used</source>
        <translation>设置文件 {path}：无法读取 {key}（{reason}）；使用默认值</translation>
    </message>
    <message>
        <source>settings file {path}: {key} cannot be read ({reason}); removed, the file as it was is kept as {copy}</source>
        <translation>设置文件 {path}：无法读取 {key}（{reason}）；已删除，原文件保存为 {copy}</translation>
    </message>
    <message>
        <source>not a pen width: {value}</source>
        <translation>不是笔宽：{value}</translation>
    </message>
    <message>
        <source>not a folder name: {value}</source>
        <translation>不是文件夹名：{value}</translation>
    </message>
    <message>
        <source>not a saved window geometry: {value}</source>
        <translation>不是保存的窗口位置和大小：{value}</translation>
    </message>
    <message>
        <source>not a saved window state: {value}</source>
        <translation>不是保存的窗口状态：{value}</translation>
    </message>
    <message>
        <source>Qt cannot restore it</source>
        <translation>Qt 无法恢复它</translation>
    </message>
    <message>
        <source>the text kept from the last session: {error}</source>
        <translation>上次保留的文字：{error}</translation>
    </message>
    <message>
        <source>not true or false: {value}</source>
        <translation>不是真或假：{value}</translation>
    </message>
    <message>
        <source>not a position: {value}</source>
        <translation>不是位置：{value}</translation>
    </message>
    <message>
        <source>the ink kept from the last session: {error}</source>
        <translation>上次保留的笔迹：{error}</translation>
    </message>
</context>
</TS>
