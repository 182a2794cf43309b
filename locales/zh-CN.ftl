# handover-bot — 简体中文（默认语言）。Telegram HTML：只用 <b>、<i>、<code>、<a href>；参数由代码转义。

## 开始、关联与问候

start-share-phone = 您好，欢迎使用交付服务助手！🏡
    为了找到您的房屋或员工账号，请点击下方的<b>「分享我的手机号」</b>。手机号仅用于确认您的身份。
button-share-phone = 📱 分享我的手机号
contact-not-own = 这似乎是别人的联系人名片。请点击<b>「分享我的手机号」</b>分享您本人的号码。
contact-no-match = 谢谢您！我们的记录中暂时没有找到这个手机号。
    如果您在本项目购买了房屋，请联系您的交付大使或客户关系部，核对我们登记的手机号。员工请向主管索取邀请链接。
greeting-buyer = { $name }，您好！🎉 您的账号已与房屋 { $homes } 关联。
    验房、整改和交付的每一个进展，我都会在这里第一时间告诉您。

    您可以：
    { $help }
greeting-staff = { $name }，您好！您已作为{ $roles }登录。

    您的命令：
    { $help }
welcome-back = { $name }，欢迎回来！

    { $help }
invite-unknown = 抱歉，这个邀请链接无效。请向您的主管索取新的链接。
invite-used = 这个邀请链接已经被使用过了。请向您的主管索取新的链接。
invite-expired = 这个邀请链接已过期。请向您的主管索取新的链接。
not-linked = 我还不认识您。请先发送 /start 并分享您的手机号。
group-only = 我只在私聊中工作，请直接给我发消息：@{ $bot }

## 帮助与通用回复

help-unlinked = 我为业主和员工提供房屋交付服务。发送 /start 并分享手机号即可开始。
help-intro = 您可以使用以下功能：
unknown-command = 抱歉，我不认识命令 { $command }。您可以使用：
    { $help }
forbidden = 抱歉，{ $command } 不对您的角色开放，没有做任何更改。
free-text-hint = 我通过命令和按钮为您服务。发送 /help 查看可以做什么。
unsupported-message = 抱歉，这里无法处理这类消息。发送 /help 查看可以做什么。
stale-button = 这个按钮已失效。
dialogue-reset = 抱歉，系统更新后我没能接上之前的对话，我们重新开始吧——发送 /help 查看可以做什么。
error-generic = 抱歉，我们这边出了点问题，请稍后再试；您发送的内容不会丢失。
error-generic-short = 出了点问题，请再试一次。
cancel-done = 好的，已取消。
cancel-nothing = 当前没有需要取消的操作。
me-staff = 您是{ $name }，当前身份：{ $roles }。

## 语言

language-name = 简体中文
language-choose = 请选择您的语言：
language-set = 好的——接下来我将使用简体中文与您交流。

## 命令菜单

cmd-start = 开始并关联账号
cmd-help = 我能为您做什么
cmd-language = 切换语言
cmd-cancel = 取消当前操作
cmd-me = 查看我的身份
cmd-myhome = 我的房屋与邮寄地址
cmd-address = 核对或修改邮寄地址
cmd-people = 已导入的业主和员工
cmd-staff = 员工名单
cmd-import = 如何从文件导入业主或员工
cmd-queue = 待发送或失败的消息与定时任务
cmd-invite = 生成员工邀请链接

## 角色

role-ambassador = 交付大使
role-backup-ambassador = 应急大使
role-engineer = 工程师
role-supervisor = 主管
role-admin = 管理员

## 业主：房屋与邮寄地址

myhome-title = <b>您的房屋</b>
myhome-line = 🏠 { $unit } — { $name }
    📮 邮寄地址：{ $address }
address-none = 暂未登记
address-ask = 重要文件将寄往以下邮寄地址：
    <b>{ $address }</b>
    这个地址是否仍然正确？
button-address-ok = ✅ 地址正确
button-address-fix = ✏️ 修改地址
address-confirmed = 谢谢您！邮寄地址已确认。
address-already-confirmed = 您的地址已经确认过了。
address-enter-new = 请输入完整的邮寄地址（或发送 /cancel 取消）。
address-text-expected = 请以文字形式输入邮寄地址（或发送 /cancel 取消）。
address-invalid = 这看起来不像完整的地址。请在一条消息中输入，不超过 { $max } 个字。
address-saved = 谢谢您！新的邮寄地址已保存：
    <b>{ $address }</b>

## 主管：导入

document-not-expected = 谢谢，不过这里用不到文件。发送 /help 查看可以做什么。
import-help = 导入业主或员工名单：请把 <b>CSV</b> 或 <b>Excel（.xlsx）</b>文件（不超过 { $limit_mb } MB）作为文件发给我。我会根据表头自动区分业主名单和员工名单。每一行都会先校验：只要有一行有误，就不会导入任何数据，并告诉您出错的行和列。重复导入同一个文件不会产生任何变化。
    可识别的表头：
import-required = （必填）
import-header-line = • <code>{ $canonical }</code> { $required } — { $spellings }
import-kind-buyers = 业主名单
import-kind-staff = 员工名单
import-done = ✅ { $kind }导入完成：共 { $total } 行——新增 { $created }，更新 { $updated }，未变 { $unchanged }。
import-rejected = ❌ 文件未导入，没有做任何更改。
    { $reason }
    请修改文件后重新发送。
import-too-large = 抱歉，文件太大了。最大可接受 { $limit_mb } MB。
import-unsupported-format = 抱歉，我只能读取 .csv 和 .xlsx 文件。请将表格另存为其中一种格式后再发送。
import-error-empty = 文件中没有数据行。
import-error-unknown-kind = 无法判断这是业主名单还是员工名单：业主名单需要「房号」列，员工名单需要「角色」列。发送 /import 查看可识别的表头。
import-error-missing-columns = { $kind }缺少必填列：{ $columns }。
import-error-duplicate-column = 「{ $column }」列出现了两次。
import-error-encoding = 第 { $line } 行无法识别为文字。请将文件另存为 UTF-8 编码的 CSV 或 .xlsx。
import-error-csv = 第 { $line } 行格式有误（{ $message }）。
import-error-spreadsheet = 无法读取该表格（{ $message }）。
import-error-too-many-rows = 文件超过 { $max } 行，请拆分后再导入。
import-error-rows = 共发现 { $count } 处问题：
import-error-more = ……另有 { $count } 处。
row-error = • 第 { $line } 行，「{ $column }」列：{ $problem }
row-missing = 此项为必填
row-bad-phone = 「{ $value }」不是有效的手机号
row-bad-tier = 「{ $value }」不是有效的客户等级（A+、A、B 或 C）
row-bad-risk-flag = 「{ $value }」不是可识别的风险标签（群诉、挑头、媒体、政府）
row-bad-role = 「{ $value }」不是可识别的角色（交付大使、应急大使、工程师、主管、管理员）
row-bad-seniority = 「{ $value }」不是有效的资历（资深或普通）
row-bad-number = 「{ $value }」不是整数
row-out-of-range = { $value } 应在 { $min } 到 { $max } 之间
row-bad-language = 「{ $value }」不是支持的语言（zh-CN 或 en）
row-too-long = 超过 { $max } 个字
row-duplicate = 与第 { $first_line } 行重复
row-cell-error = 单元格包含错误值 { $value }

## 主管：邀请与名单

invite-usage = 请写明角色，可附上姓名，例如：
    <code>/invite 交付大使 李雷</code>
    可用角色：{ $roles }
invite-name-too-long = 姓名太长了（最多 100 个字）。
invite-created = { $role }（{ $name }）的邀请链接：
    { $link }
    仅可使用一次，有效期至 { $expires }。请只发给本人。
staff-none = 还没有导入员工。发送 /import 查看导入方法。
staff-title = <b>员工名单（{ $count } 人）</b>
staff-line-linked = ✅ { $name } — { $roles }
staff-line-unlinked = ⏳ { $name } — { $roles }（尚未关联）
people-counts = <b>已导入</b>
    🏠 房屋：{ $units } 套
    👤 业主：{ $buyers } 位（已关联 Telegram：{ $buyers_linked }）
    🧑‍💼 员工：{ $staff } 位（已关联 Telegram：{ $staff_linked }）
    🚫 无法送达：{ $unreachable }（已屏蔽机器人）

## Supervisor: delivery queue

queue-none = —
queue-report = <b>发送队列</b>
    ✉️ 消息：待发送 { $outbox_pending }，失败 { $outbox_failed }，已发送 { $outbox_sent }；最早待发：{ $outbox_oldest }
    ⏰ 定时任务：等待 { $jobs_pending }（已到期 { $jobs_due }），执行中 { $jobs_running }，失败 { $jobs_failed }；最早到期：{ $jobs_oldest }
