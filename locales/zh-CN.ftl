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
access-ended = 您好，您使用本助手的权限已经结束，无法再进行操作。如有疑问，请联系项目负责人。
access-ended-notice = 您好，您使用本助手的权限已经结束。感谢您为交付工作付出的辛劳！如有疑问，请联系项目负责人。
access-phone-moved = 您好，房屋 { $unit } 登记的手机号已更新，这个 Telegram 账号不再关联该房屋。如果这是您的房屋，请发送 /start 并分享您现在的手机号。
flow-no-longer-yours = 抱歉，这项工作已不再由您负责（房屋或问题已转给他人，或您的岗位有变化）。这一步没有保存，本次操作已结束。
group-only = 我只在私聊中工作，请直接给我发消息：@{ $bot }

## 帮助与通用回复

help-unlinked = 我为业主和员工提供房屋交付服务。发送 /start 并分享手机号即可开始。
help-intro = 您可以使用以下功能：
help-mini-app = ✍️ 交房记录在 Telegram 内打开的页面上签字：交付大使先签字，再发给业主；业主签字即确认收房。
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
cmd-deactivate = 停用已离职的员工：/deactivate 姓名或手机号
cmd-project = 项目及其显示名称：/project name 新名称
cmd-invite = 邀约业主预约时间（员工邀请链接：/invite 角色 姓名）

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
import-kind-slots = 时段表
import-done = ✅ { $kind }导入完成：共 { $total } 行——新增 { $created }，更新 { $updated }，未变 { $unchanged }。
import-kept-addresses = 其中 { $count } 位业主自己确认过的邮寄地址已保留，未被文件覆盖。
import-left = { $count } 位员工标记为离职，其使用权限已结束。
import-rejected = ❌ 文件未导入，没有做任何更改。
    { $reason }
    请修改文件后重新发送。
import-too-large = 抱歉，文件太大了。最大可接受 { $limit_mb } MB。
import-unsupported-format = 抱歉，我只能读取 .csv 和 .xlsx 文件。请将表格另存为其中一种格式后再发送。
import-error-empty = 文件中没有数据行。
import-error-unknown-kind = 无法判断这是哪一种名单：业主名单需要「房号」列，员工名单需要「角色」列，时段表需要「开始时间」列，风险清单需要「差异描述」列，答复文件需要「问题」和「标准答复」列。发送 /import 查看可识别的表头。
import-error-missing-columns = { $kind }缺少必填列：{ $columns }。
import-error-duplicate-column = 「{ $column }」列出现了两次。
import-error-encoding = 第 { $line } 行无法识别为文字。请将文件另存为 UTF-8 编码的 CSV 或 .xlsx。
import-error-csv = 第 { $line } 行格式有误（{ $message }）。
import-error-spreadsheet = 无法读取该表格（{ $message }）。
import-error-too-many-rows = 文件超过 { $max } 行，请拆分后再导入。
import-error-unpacks-too-large = 该表格解压后超过 { $limit_mb } MB，请拆分文件或去掉多余内容后重新保存。
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
row-bad-date = 不是有效的日期：{ $value }（应为 2026-12-01 这样的日期）
row-bad-time = 不是有效的时间：{ $value }（应为 09:00 这样的时间）
row-end-not-after-start = 结束时间必须晚于开始时间
row-bad-slot-kind = 未知的时段类型：{ $value }（应为 验房/inspection 或 交付/handover）
row-bad-status = 未知的状态：{ $value }（应为 在职/active 或 离职/left）
row-admin-only = 只有管理员可以授予或取消管理员角色，请由管理员导入这一行

## 主管：邀请与名单

invite-usage = 员工邀请链接：请写明角色，可附上姓名，例如：
    <code>/invite 交付大使 李雷</code>
    可用角色：{ $roles }
    邀约业主选择验房时间：<code>/invite all</code>、<code>/invite building 3</code>、<code>/invite tier A+</code>（末尾加 <code>handover</code> 则为交付时段）
invite-name-too-long = 姓名太长了（最多 100 个字）。
invite-created = { $role }（{ $name }）的邀请链接：
    { $link }
    仅可使用一次，有效期至 { $expires }。请只发给本人。
staff-none = 还没有导入员工。发送 /import 查看导入方法。
staff-title = <b>员工名单（{ $count } 人）</b>
deactivate-usage = 请这样输入：/deactivate 姓名（或手机号）
deactivate-done = ✅ 已停用 { $name }：其使用权限已结束，所负责的房屋等待 /assign 重新分配。
deactivate-not-found = 没有在职员工的姓名或手机号是“{ $query }”。发送 /staff 查看名单。
deactivate-ambiguous = 有多位员工叫“{ $query }”，请改用手机号。
deactivate-not-allowed = 抱歉，不能停用 { $name }（只有管理员可以停用管理员，也不能停用自己）。
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

## Ambassadors: commands

cmd-ambassador = 我的交付大使是谁
cmd-customers = 我的业主（按阶段）
cmd-customer = 查看业主卡片：/customer 3-1502 或姓名
cmd-away = 我要请假：由应急大使接手（/away [年-月-日]）
cmd-back = 我已回岗（由主管确认交还业主）
cmd-sharephone = 是否向业主公开我的电话：/sharephone on|off
cmd-assign = 自动分配未分配的业主（先预览）
cmd-reassign = 把某户转给另一位大使：/reassign 3-1502 姓名
cmd-ambassadors = 各位大使的负荷与状态

## Ambassadors: stages and flags

stage-all = 全部
stage-not-invited = 未邀约
stage-invited = 已邀约
stage-confirmed = 已确认
stage-visited = 已到访
stage-handed-over = 已交付
flag-group-complaint = 群诉风险
flag-ringleader = 可能挑头
flag-media = 媒体关系
flag-government = 政府关系

## Ambassadors: auto-assignment

assign-preview-title = <b>分配方案：待分配 { $count } 户</b>
assign-senior-mark = ⭐
assign-preview-line = { $name }{ $senior }：+{ $count } 户（A+/重点 { $sensitive }），楼栋 { $buildings } → { $load }/{ $capacity }
assign-unplaced = ⚠️ <b>无法分配（{ $count } 户）</b>——容量不足（A+ 与重点业主只分给资深大使）：
    { $list }
assign-preview-footer = 确认前不会保存任何内容。确认后将通知业主和大使。
assign-nothing = 所有业主都已有交付大使，无需分配。
button-assign-confirm = ✅ 确认分配
button-cancel = ✖️ 取消
assign-cancelled = 已取消，未做任何更改。
assign-done = ✅ 已分配 { $count } 户，未能分配 { $unplaced } 户。正在通知业主和大使。
assign-stale = 自预览以来业主或大使数据已有变化，因此没有保存。以下是按当前数据重新生成的方案：

## Ambassadors: reassignment, away and back

reassign-usage = 请这样输入：/reassign 3-1502 大使姓名
reassign-done = ✅ { $unit } 现由 { $name } 负责，已通知相关人员。
household-not-found = 没有找到“{ $query }”。请用“楼栋-房号”（3-1502）或“楼栋-单元-房号”（3-2-1502），或业主全名。
household-ambiguous = 有多户符合：{ $list }。请写出准确的房号。
ambassador-not-found = 没有找到名为“{ $name }”的大使。/ambassadors 可查看名单。
away-date-past = 这个日期已经过去了。请填写今天或以后的日期，例如 /away 2026-12-01。
away-until-back = 直到回岗
away-done = ✅ { $name } 已请假（{ $until }）。{ $count } 户已转交应急大使，并已通知相关人员。回岗请发送 /back。
away-unplaced = ⚠️ 以下 { $count } 户没有应急大使可以接手，仍由原大使负责，请用 /reassign 处理：
    { $list }
back-done = ✅ 欢迎回来，{ $name }！目前仍有 { $count } 户由应急大使代管，主管确认后交还给您。
back-ask-return = { $name } 已回岗，还有 { $count } 户由应急大使代管。是否交还？
button-return = ↩️ 交还 { $count } 户
return-done = ✅ { $count } 户已交还给 { $name }，并已通知相关人员。

## Ambassadors: notifications

reason-assigned = 分配
reason-reassigned = 调整
reason-away = 请假代管
reason-returned = 回岗交还
staff-gained = 📋 <b>新增 { $count } 户由您负责</b>（{ $reason }）：
    { $list }
    发送 /customers 查看您的全部业主。
staff-gained-unanswered = 💬 <b>以下业主之前的留言还没有人回复</b>，请尽快联系：
staff-unanswered-line = • { $unit } { $buyer }（{ $at }）：{ $text }
staff-lost = 📋 <b>{ $count } 户已转交他人</b>（{ $reason }）：
    { $list }
supervisor-moves = 📋 { $count } 户已调整（{ $reason }）：
    { $list }
ambassador-phone-line = 联系电话：{ $phone }
buyer-intro = 尊敬的{ $buyer }，您好！{ $ambassador } 是您 { $home } 的专属交付大使，将陪您完成从验房到收房的每一步。
    { $phone }
    有任何问题，随时在这里给我们留言，{ $ambassador } 会尽快回复您。发送 /ambassador 可随时查看您的交付大使。
buyer-covered = 尊敬的{ $buyer }，您好！您的交付大使请假期间，由 { $ambassador } 为您 { $home } 提供服务。
    { $phone }
    您可以照常在这里留言，之前的事项都会继续跟进。
buyer-returned = 尊敬的{ $buyer }，您好！您的交付大使 { $ambassador } 已回岗，继续为您 { $home } 服务。
    { $phone }
buyer-new-ambassador = 尊敬的{ $buyer }，您好！您 { $home } 的交付大使现由 { $ambassador } 担任。
    { $phone }
    有任何需要，随时在这里留言。

## Ambassadors: lists and cards

customers-title = <b>我的业主——{ $filter }：{ $count }/{ $total } 户</b>（第 { $page }/{ $pages } 页）
customers-none = 这里没有业主。
button-previous = ◀️ 上一页
button-next = 下一页 ▶️
customer-usage = 请写出房号或业主姓名，例如 /customer 3-1502。
household-not-yours = 您负责的业主中没有与“{ $query }”相符的。
household-not-yours-short = 这位业主不由您负责。
household-choose = 有多位您的业主符合，请选择：
card-title = 🏠 <b>{ $unit }</b>
card-buyer = 👤 { $name } · { $phone }
card-details = 邮寄地址：{ $address }
    分级：{ $tier } · 标记：{ $flags }
    阶段：{ $stage }
    交付大使：{ $ambassador }
card-no-flags = 无
card-no-ambassador = 尚未分配
card-no-notes = 暂无备注。
card-notes = <b>备注</b>
card-note = • { $at } { $author }：{ $text }
button-add-note = 📝 添加备注
note-enter = 请输入备注内容（文字）。发送 /cancel 可取消。
note-text-expected = 请以文字形式发送备注，或发送 /cancel 取消。
note-invalid = 备注需要有内容，且不超过 { $max } 个字。
note-saved = ✅ 备注已保存。
ambassadors-none = 还没有导入交付大使。
ambassadors-title = <b>交付大使（{ $count } 位）</b>
ambassadors-line = { $name }{ $senior }（{ $role }）：{ $count }/{ $capacity } 户，A+/重点 { $sensitive }，楼栋 { $buildings }，应急代管 { $covered } 户 —— { $status }
ambassador-at-work = 在岗
ambassador-away = 请假中
ambassador-away-until = 请假至 { $until }
sharephone-usage = 请发送 /sharephone on 或 /sharephone off。
sharephone-on = ✅ 业主现在可以看到您的电话号码。
sharephone-off = ✅ 已不再向业主显示您的电话号码。
my-ambassador-line = 🏠 { $home }：您的交付大使是 { $name }。{ $phone }
my-ambassador-none = 🏠 { $home }：我们会尽快为您安排交付大使。

## Buyers and their ambassador talking through the bot

relay-from-buyer = 💬 <b>{ $unit } { $buyer }</b> 留言：
    { $text }
relay-media-kind = { $kind ->
    [photo] 📷照片
    [voice] 🎙语音
   *[document] 📎文件
}
# A relayed file or photo and the words sent with it.
media-with-caption = { $what } { $caption }
button-reply = ↩️ 回复
relay-from-staff = 💬 您的交付大使 { $name }：
    { $text }
relay-sent-ambassador = ✅ 已转达给您的交付大使 { $name }，TA 会在这里回复您。
relay-sent-team = ✅ 已转达给客户关系团队；我们会尽快为您安排交付大使，并在这里回复您。
relay-kept = ✅ 您的留言已记录，我们的团队会尽快在这里回复您。
button-report-relayed = 📝 作为问题报告
relay-too-long = 这条消息太长，无法一次转达（最多 { $max } 个字），请分几条发送。
reply-enter = 请输入给业主的回复（文字）。发送 /cancel 可取消。
reply-sent = ✅ 已发送给这户的 { $count } 位业主。
reply-nobody-linked = 这户业主还没有在机器人上关联账号，消息未发送，请电话联系。
away-usage = 请写出大使姓名：/away 姓名 [年-月-日]
back-usage = 请写出大使姓名：/back 姓名

## Appointments

cmd-slots = 验房/交付时段：/slots，新增：/slots add 2026-12-01 09:00-10:00 10
cmd-appointment = 我的预约（改期或取消）
cmd-today = 今天的预约与到访
kind-inspection = 验房
kind-handover = 交付
weekday-mon = 周一
weekday-tue = 周二
weekday-wed = 周三
weekday-thu = 周四
weekday-fri = 周五
weekday-sat = 周六
weekday-sun = 周日
meeting-point-default = 项目交付中心
your-ambassador = 您的交付大使
slot-invalid = 时段格式有误：{ $why }
    请这样输入：<code>/slots add 2026-12-01 09:00-10:00 10</code>（末尾可加 handover 表示交付时段）
slot-error-format = 需要“日期 开始-结束 人数 [类型]”
slot-error-date = 日期不是有效的日历日期
slot-error-times = 时间应为 HH:MM-HH:MM，且结束晚于开始
slot-error-capacity = 人数应为 1 到 1000 的整数
slot-error-kind = 类型应为 inspection（验房）或 handover（交付）
slot-in-past = 这个时段已经过去了，请填写将来的时间。
slot-added = ✅ 已新增{ $kind }时段：{ $when }，可约 { $capacity } 户。
slot-exists = 这个时段已经存在，未做更改。
slots-none = 还没有将来的时段。新增：<code>/slots add 2026-12-01 09:00-10:00 10</code>
slots-title = <b>将来的时段（{ $count } 个）</b>
slots-line = { $kind } { $when }：已约 { $booked }/{ $capacity }
invite-buyers-usage = 请这样邀约业主：<code>/invite all</code>、<code>/invite building 3</code> 或 <code>/invite tier A+</code>，末尾加 <code>handover</code> 则为交付时段。交付大使发送 <code>/invite</code> 即邀约自己负责的业主。
invite-no-slots = 目前没有可预约的{ $kind }时段，请先用 /slots add 新增时段。
invite-buyers-done = ✅ 已邀约 { $invited } 户（已有预约的 { $already } 户未重复邀约）。其中 { $offline } 户尚未在机器人上关联账号，请电话联系。
invite-buyer = 尊敬的{ $buyer }，您好！诚邀您前来{ $kind }（{ $home }）。请选择方便的时段，按钮上显示剩余名额：
invite-nudge = 尊敬的{ $buyer }，您好！您的{ $kind }（{ $home }）还没有选定时间，请选择方便的时段：
book-full-options = 这个时段刚刚约满了，请从以下{ $kind }时段中另选：
missed-options = 尊敬的{ $buyer }，{ $when } 的{ $kind }（{ $home }）没有等到您。如需另约，请选择方便的时段：
slot-button = { $when } · 余 { $seats }
button-other-time = 📞 都不方便，请大使联系我
options-now-booked = ✅ { $home } 的{ $kind }已约好：{ $when }。
options-now-cancelled = ✖️ { $home } 的{ $kind }预约已取消。
options-now-checked-in = ✅ { $home } 的{ $kind }：已签到。
book-confirmed = ✅ 尊敬的{ $buyer }，已为您预约{ $kind }（{ $home }）：
    🕘 { $when }
    📍 { $place }
    届时 { $ambassador } 会在现场迎接您。附上日历文件，可一键加入日程。需要改期请发送 /appointment。
ics-summary = { $kind } { $home }
ics-description = 交付大使：{ $ambassador }
ics-caption = 📅 日历文件：点开即可加入日程
staff-booking = 📅 { $home } { $names } 预约了 { $when }。
staff-booking-moved = 📅 { $home } { $names } 改约到 { $when }。
staff-call-me = 📞 { $home } { $names } 希望另约时间，请致电：{ $phones }
staff-cancelled = 📅 { $home } { $names } 取消了预约。
staff-nudged = ⏰ { $home } { $names } 收到邀约后尚未选择时间，已再次提醒，请跟进：{ $phones }
staff-no-show = ⚠️ { $home } { $names } 未按约到访（{ $when }），请致电：{ $phones }
staff-arrived = 👋 { $home } { $names } 已到达现场。
staff-arrived-late = 👋 { $home } { $names } 迟到了，已到达现场并签到（原定 { $when }），不再算未到访。
reminder-before = ⏰ 尊敬的{ $buyer }，提醒您：{ $kind }（{ $home }）时间为 { $when }，地点：{ $place }。需要改期请发送 /appointment。
reminder-day-of = 🌟 尊敬的{ $buyer }，今天就是您的{ $kind }日（{ $home }）！
    🕘 { $when }
    📍 { $place }
    { $ambassador } 已经在为您准备。到达后请点“我到了”。
button-im-here = 📍 我到了
appointment-none = 您目前没有预约。收到邀约后即可选择时间。
appointment-booked = 🏠 { $home } 的{ $kind }：{ $when }
appointment-invited = 🏠 { $home } 的{ $kind }：尚未选择时间。
appointment-checked-in = 🏠 { $home } 的{ $kind }：{ $when }，已签到。
button-reschedule = 🔁 改期
button-cancel-booking = ✖️ 取消预约
button-choose-time = 🕘 选择时间
book-done-short = ✅ 已预约 { $when }
book-full = 这个时段刚刚约满了，已为您发送其他可选时段。
book-not-available = 这个时段已不可预约。
book-not-offered = 抱歉，这个时段不在为您安排的时段之内，请从邀约消息中的时段里选择。
book-too-late = 您家已约在 { $when }。距离预约时间太近，无法在线更改，请联系您的交付大使。
book-closed = 这个预约已结束或已取消。
book-not-yours = 这不是您的预约。
book-options-sent = 已为您发送可选时段。
book-cancelled-short = 已取消
book-cancelled = 您的预约已取消，交付大使会与您联系另约时间。
book-cancelled-household = { $who } 已取消 { $home } 的{ $kind }预约，交付大使会与您联系另约时间。
other-time-short = 已通知您的交付大使
other-time = 好的，已请您的交付大使尽快致电，与您另约时间。
checked-in-short = ✅ 已签到
checked-in-welcome = 欢迎您！已为您签到，交付大使马上到。
checked-in-already = ✅ 您已签到，交付大使马上到。
welcome-checked-in = ✅ 已签到。
visit-completed = 您 { $when } 的到访已完成，感谢您的到来！
visit-missed = 您没有在 { $when } 到访。如需另约时间，请联系您的交付大使。
today-none = 今天没有预约。
today-title = <b>今天的预约（{ $count }）</b>
today-line = { $time } { $home } { $names } · { $kind } · { $status }
status-confirmed = 待到访
status-checked-in = 已签到
status-no-show = 未到访
status-completed = 已完成
button-check-in = ✅ 签到 { $home }
site-title = <b>今天的现场（按小时）</b>
site-hour = { $hour }：预约 { $booked }，已到 { $arrived }，未到 { $no_shows }
site-visit-rate = 到访率：{ $rate }（到访 { $visited } / 邀约 { $invited } 户）

## Defects: the walk-through

cmd-inspect = 开始验房记录：/inspect 3-1502
cmd-defects = 某户的缺陷：/defects 3-1502
cmd-mydefects = 我家的缺陷与整改进度
room-living = 客厅
room-bedroom = 卧室
room-kitchen = 厨房
room-bathroom = 卫生间
room-balcony = 阳台
room-exterior = 外立面
room-other = 其他
category-leakage = 渗漏
category-hollow-crack = 空鼓/开裂
category-paint = 墙面/涂料
category-tiles = 地面/瓷砖
category-doors = 门窗
category-plumbing = 给排水
category-electrical = 电气
category-fixtures = 五金/设备
category-exterior = 外立面
category-other = 其他
severity-urgent = 紧急
severity-high = 高
severity-normal = 一般
severity-low = 低
defect-status-recording = 记录中
defect-status-open = 待整改
defect-status-assigned = 已派单
defect-status-in-progress = 整改中
defect-status-fixed = 已整改
defect-status-verified = 已复验
defect-status-closed = 已关闭
defect-status-reopened = 重新整改
defect-status-reported = 待审核
defect-status-rejected = 不予处理
inspect-usage = 请写出房号或业主姓名，例如 /inspect 3-1502。
inspect-resumed = ↩️ 继续 { $unit } 上次未完成的验房：已保存 { $count } 条，接着记录即可。
inspect-room = 🔍 <b>{ $unit } 验房</b>：请选择房间
inspect-category = { $room }：问题类型？
inspect-severity = 紧急程度？
inspect-photos = 📷 请拍照发送（可一张、多张或一次发相册），然后输入文字说明。没有照片可直接输入说明；也可以发语音。
inspect-photo-received = 📷 已收到 { $count } 张照片。可继续发照片，或输入文字说明。
inspect-photos-hint = 请发送照片，或输入文字说明（发送 /cancel 退出验房）。
inspect-voice-kept = 🎙 语音已作为附件保存。可再输入文字说明，或直接保存。
inspect-no-note = （无文字说明）
inspect-confirm = <b>请确认</b>
    房间：{ $room }
    类型：{ $category }
    紧急程度：{ $severity }
    照片：{ $photos } 张 { $voice }
    说明：{ $note }
button-save = 💾 保存
button-edit = ✏️ 修改
button-discard = ✖️ 取消此条
inspect-confirm-hint = 请点“保存”、“修改”或“取消此条”；输入文字可替换说明。
inspect-buttons-hint = 请点击上面的按钮继续（发送 /cancel 退出验房）。
inspect-editing = 重新选择类型和紧急程度，照片和说明会保留。
inspect-discarded = 已取消这一条。
inspect-saved = ✅ 第 { $number } 条已保存（{ $room }）。
button-next-defect = ➕ 同一房间下一条
button-other-room = 🚪 换个房间
button-inspection-finish = ✅ 完成验房
inspect-finished = ✅ { $unit } 验房完成：共 { $count } 条，已发送给 { $buyers } 位业主，并转交工程整改。
button-start-inspection = 🔍 验房记录
photo-too-large = 这个文件太大了（超过 { $limit_mb } MB），请发送压缩后的照片。
photo-wrong-type = 这里需要照片（图片文件）。请发送照片，或输入文字说明。
upload-not-kept = 抱歉，这张照片或文件暂时没能保存，因此没有记录。请过一分钟再发送一次。
upload-quota-reached = 抱歉，您今天发送的照片和文件已达上限（每天 { $count } 个、共 { $limit_mb } MB），这一个没有保存。请明天再发；有急事可以直接文字留言。
inspection-list-title = 🏠 尊敬的{ $buyer }，{ $home } 验房共记录 { $count } 个问题：
inspection-list-empty = 🏠 尊敬的{ $buyer }，{ $home } 验房没有发现问题。
inspection-list-footer = 我们会尽快安排整改，每一步进展都会在这里告诉您。发送 /mydefects 可随时查看。
engineer-new-defects = 🛠 { $home } 新增 { $count } 个待整改问题。发送 /defects { $home } 查看。
defects-usage = 请写出房号或业主姓名，例如 /defects 3-1502；要 PDF 报告请在后面加 pdf：/defects 3-1502 pdf（整栋楼：/defects 3 pdf）。
defects-title = <b>{ $unit } 的问题（{ $count } 条）</b>
mydefects-none = 🏠 { $unit }：暂无记录的问题。

## The defect report as PDF (/defects UNIT pdf, the PDF button of /mydefects)
pdf-title = 验房记录 / 整改单
pdf-summary = 问题清单
pdf-field-project = 项目
pdf-field-building = 楼栋
pdf-field-unit = 房号
pdf-field-buyers = 业主
pdf-field-ambassador = 交付大使
pdf-field-generated = 生成时间
pdf-field-homes = 户数
pdf-field-items = 问题数
pdf-field-recorded = 记录时间
pdf-field-engineer = 工程师
pdf-col-number = 序号
pdf-col-room = 房间
pdf-col-kind = 类型
pdf-col-urgency = 紧急程度
pdf-col-status = 状态
pdf-col-deadline = 整改期限
pdf-col-date = 时间
pdf-col-by = 处理人
pdf-col-note = 说明
pdf-history = 处理记录
pdf-before = 整改前照片
pdf-after = 整改后照片
pdf-more-photos = 另有 { $count } 张照片未列出，可在机器人中查看。
pdf-nothing = 暂无记录的问题。
pdf-plan-caption = 户型图：图中编号即下表中同编号的问题（已标注 { $count } 项）。
pdf-footer = 生成于 { $at }
pdf-page = 第 { $page } 页，共 { $pages } 页
pdf-caption = 📄 { $scope } 的验房记录（{ $count } 项）

# The handover record (交房确认书) as a PDF, and checking a printed one.
record-title = 交房确认书
record-number = 记录编号 { $number }
record-number-replaces = 记录编号 { $number }（取代记录 { $old }）
record-field-received-by = 收房业主
record-field-received-at = 收房时间
record-statement = 业主 { $buyer } 已收到房屋 { $home } 及下列钥匙、表读数和资料；下列未完成整改的问题已告知业主，将按期限整改。
record-keys = 钥匙
record-col-item = 项目
record-col-count = 数量
record-meters = 表读数
record-col-meter = 表
record-col-reading = 读数
record-meter-absent = 本户无此表
record-meter-photos = 附：表读数照片
record-documents = 交付资料
record-open-defects = 交房时未完成整改的问题
record-warranty = 保修期（自交房之日起）
record-col-period = 保修期
record-col-until = 截止日期
record-years = { $count } 年
record-months = { $count } 个月
record-signatures = 签字
record-sign-ambassador = 交付大使签字
record-sign-buyer = 业主签字
record-signed-at = 签于 { $at }
record-recorded-at = 记录于 { $at }（未手写签字）
record-received-in-chat = 于 { $at } 在 Telegram 中确认收房（未手写签字）
record-footer = 交房确认书 { $number } · SHA-256 { $hash }
record-caption = 📄 { $home } 的交房确认书（记录编号 { $number }），请妥善保存。
button-record-pdf = 📄 交房确认书
record-not-yours = 这份交房确认书不属于您，或该房屋尚未交付。
verify-usage = 核对纸质交房确认书：发送 /verify 记录编号 SHA-256（页脚所印，至少前 8 位），例如 <code>/verify 12 3fa2c9e1</code>
verify-matches = ✅ 交房确认书 { $number } 与系统记录一致：{ $home }，{ $buyer } 于 { $at } 收房，交付大使 { $ambassador }。
verify-replaced = ⚠️ 注意：该记录已被记录 { $new } 取代。
verify-differs = ❌ 交房确认书 { $number } 与系统记录不一致：所印的 SHA-256 不是该记录的。请以系统中的记录为准。
verify-unknown = 没有找到您可查看的交房确认书 { $number }。
cmd-verify = 核对纸质交房确认书：/verify 编号 SHA-256
button-defects-pdf = 📄 下载 PDF
defect-not-yours = 无法查看这条记录。
defect-card = 🏠 <b>{ $unit }</b> #{ $id } · { $room } · { $category } · { $severity }
    状态：{ $status }
    说明：{ $note }
    整改期限：{ $due }
defect-history-line = • { $at } { $status } · { $who }

## Defects: the buyer's own reports and their review

cmd-report = 报告房屋问题（拍照说明）
report-which-home = 是哪一套房屋？
report-room = 问题在哪个房间？
report-describe = { $room }：请用文字描述问题。
report-text-expected = 请先用文字描述问题（发送 /cancel 可取消）。
report-photos = 可以拍照发送（可多张或相册），然后点“提交”；没有照片可直接提交。
report-photo-received = 📷 已收到 { $count } 张照片。可继续发送，或点“提交”。
button-report-submit = 📨 提交
report-sent = ✅ 已提交，您的交付大使会尽快查看并回复您。
report-to-review = 📝 <b>{ $home } { $buyer }</b> 报告了一个问题（{ $room }）：
    { $text }
    照片：{ $photos } 张。请审核：
button-review-accept = ✅ 受理
button-review-merge = 🔗 合并到已有问题
button-review-reject = ✖️ 不予受理
review-kind = 问题类型？
review-merge-into = 与哪一条是同一个问题？
# A recorded item to merge into: its number in the list, then its id.
button-merge-candidate = #{ $number } ({ $id })
review-nothing-to-merge = 这户还没有可合并的已记录问题。
review-reason = 请输入不予受理的原因（业主会看到）。
review-done = ✅ 已处理，并已通知业主。
review-not-yours = 这条报告不由您审核，或已经审核过了。
review-already = 这条报告已由 { $name } 审核过了。
report-accepted = ✅ 您报告的 { $home } { $room } 问题已受理：{ $category }，{ $severity }。我们会尽快安排整改。
report-merged = ✅ 您报告的 { $home } { $room } 问题与已记录的“{ $target }”是同一个问题，会一并整改。
report-rejected = 您报告的 { $home } { $room } 问题经核实暂不予受理。原因：{ $reason }
    如有疑问，请直接在这里留言。
button-inspect-home = 🔍 验房 { $home }

## Remediation: routing, steps, the buyer's check, deadlines
defect-status-on-hold = 暂停整改
defect-history-title = <b>处理记录</b>
actor-system = 系统
defect-after-photos = 📷 最近一次整改后的照片：
defect-update = 🔧 { $home } · { $room } · { $category }（#{ $id }）
    当前状态：<b>{ $status }</b>
defect-detail-engineer = 负责人：{ $name }
defect-detail-due = 整改期限：{ $due }
defect-detail-note = 说明：{ $note }
fixed-please-check = ✅ { $home }：以下 { $count } 个问题已整改完成，请您查验（整改前后的照片随后发送）：
fixed-please-check-footer = 请对每一项点击「已修好」或「仍有问题」。如 { $days } 天内未回复，您的交付大使将代为验收。
button-fix-ok = ✅ 第 { $n } 项已修好
button-fix-bad = ❌ 第 { $n } 项仍有问题
fix-answered-ok = ✅ 第 { $n } 项：{ $name } 已确认修好
fix-answered-bad = ❌ 第 { $n } 项：{ $name } 反馈仍有问题
fix-photos-caption = { $n }. { $room }：整改前 { $before } 张，整改后 { $after } 张
fix-verified-for-buyer = ✅ { $home } · { $room } · { $category }：{ $days } 天内未收到您的回复，交付大使 { $ambassador } 已代为验收。如仍有问题，请发送 /report 告诉我们。
fix-verified-by-ambassador = ✅ { $home } · { $room } · { $category }：业主 { $days } 天内未回复，已由您代为验收。如业主反映仍有问题，请在问题卡片上点击「仍有问题」。
engineer-assigned = 🛠 新任务 #{ $id }：{ $home } · { $room } · { $category } · { $severity }，整改期限 { $due }。发送 /tasks 查看全部任务。
engineer-reopened = ↩️ #{ $id } { $home } · { $room } 被退回重新整改：{ $reason }
supervisor-reopened-often = ⚠️ #{ $id } { $home } · { $room } · { $category } 已被退回 { $count } 次，请关注。最近一次原因：{ $reason }
engineer-due-today = ⏰ 今天到期的整改任务（{ $count } 项）：
supervisor-overdue = ⚠️ 以下 { $count } 个问题已超过整改期限：
ageing-bands = 未完成问题账龄（天）：{ $bands }
defects-need-engineer = 🛠 { $home } 新增 { $count } 个问题，但该楼栋没有楼栋长。请打开 /defects { $home } 中的问题卡片，点击「派单」指定工程师。
tasks-none = 👍 目前没有待您处理的整改任务。
tasks-title = <b>🛠 我的整改任务（{ $count } 项，按期限排序）</b>
tasks-overdue = { $due } ⚠️超期
tasks-more = ……另有 { $count } 项未列出。
button-fix-several = ✅ { $home } 批量完工（{ $count } 项）
button-step-assign = 👷 派单
button-step-start = 🔨 开始整改
button-step-hold = ⏸ 暂停
button-step-resume = ▶️ 恢复整改
button-step-fix = ✅ 整改完成
button-step-verify = 👍 已修好
button-step-reopen = ❌ 仍有问题
button-step-close = 🔒 关闭
button-step-reject = 🚫 不属于问题
button-step-confirm = ✔ 确认
step-done = 👌 #{ $id } 现在的状态：{ $status }。
step-not-yours = 抱歉，这一步不由您来操作。
step-not-now = 这个问题的状态已经变化，这一步现在不能操作。请重新打开问题卡片查看。
assign-no-engineers = 还没有工程师。请先导入人员名单（角色：工程师）。
assign-choose = 请选择负责 #{ $id } 的工程师：
assign-done-ask-contractor = 👷 #{ $id } 已派单。如由施工单位负责，请发送其名称；否则点击「跳过」。
button-skip = 跳过
contractor-saved = 已记录 #{ $id } 的施工单位：{ $name }。
fix-thanks = 🙏 感谢您的确认！
fix-reopened-thanks = 🙏 已收到，我们会尽快重新整改，并在这里告诉您进展。
step-ask-reason = 「{ $step }」#{ $id }：请输入原因（业主会看到）。发送 /cancel 取消。
step-ask-note = 「{ $step }」#{ $id }：可以发送一条说明，或直接点击「确认」。发送 /cancel 取消。
button-fix-next = ➡️ 下一项
button-fix-done = ✅ 完成，通知业主
fix-ask-photos = 📷 请发送 #{ $id } 整改后的照片（第 { $position }/{ $total } 项），可另发文字说明。
fix-choose = 请选择已整改完成的问题，然后点击下方按钮：
# One item to mark fixed, ticked or not: "☑ #12 Kitchen · Leakage".
button-fix-chosen = ☑ #{ $id } { $what }
button-fix-not-chosen = ☐ #{ $id } { $what }
button-fix-go = ➡️ 下一步（{ $count } 项）
fix-choose-some = 请至少选择一项。
fix-photo-needed = 请先发送至少一张整改后的照片。
fix-done = ✅ 已标记 { $count } 项整改完成，已请业主查验。
fix-refused = #{ $id } 不能标记为整改完成，本次没有任何更改。
fix-note-kept = 📝 说明已记录。
fix-photos-hint = 这里需要整改后的照片（或一条文字说明）。
fix-photo-received = 📷 已收到 { $count } 张照片。可以继续发送，或点击下方按钮。
cmd-tasks = 我的整改任务
fix-ask-problem = 请简单描述还有什么问题（例如：还在漏水），我们会转告工程师：
inspection-list-routed = 🛠 以上问题已派给工程师 { $engineer } 整改。
fix-verified-note = 业主 { $days } 天内未回复，代为验收

## 交付（第七步）与交付后（第九步）

cmd-handover = 办理交房：钥匙、表读数、资料（/handover 3-1-502）
cmd-complain = 投诉
cmd-complaints = 待受理的投诉
cmd-stop = 不再接收回访消息（维修进度照常通知）
cmd-resume = 重新接收回访消息
role-complaints = 投诉接待
key-entrance-door = 入户门钥匙
key-mailbox = 信箱钥匙
key-access-card = 门禁卡
meter-water = 水表
meter-electricity = 电表
meter-gas = 燃气表
document-quality-guarantee = 质量保证书
document-usage-manual = 使用说明书
handover-usage = 请说明是哪一户：发送 /handover 加房号或业主姓名，例如 <code>/handover 3-1-502</code>。
handover-already = 🏡 { $home } 已完成交付：业主于 { $at } 确认收房。
handover-start = 🔑 办理 <b>{ $home }</b>（{ $names }）交房。我会依次询问钥匙、每块表的读数和照片、交付资料，然后请业主在自己的对话中确认。未完成整改的问题：{ $defects } 项。发送 /cancel 可中止。
handover-replaces = 这一户已有一份交房记录在等业主确认；发送本记录将取代它。
handover-ask-keys = <b>{ $kind }</b>几把（张）？点数字或直接输入。
handover-keys-invalid = 请发送 0 到 { $max } 之间的整数。
handover-ask-meter = 📷 <b>{ $meter }</b>：请发送表的照片，并在照片说明里写读数（或先发照片再发读数）。
handover-ask-meter-photo = 已记下读数 { $reading }。请再发一张<b>{ $meter }</b>的照片。
handover-ask-meter-reading = 照片已收到。请输入<b>{ $meter }</b>的读数（数字，如 123.4）。
handover-reading-invalid = 这不是表读数。请输入数字，例如 123.4。
handover-meter-expected = 请发送表的照片，或输入读数。
button-handover-no-meter = 本户没有这块表
handover-ask-documents = 📄 业主领取了哪些资料？逐项点选打勾，然后点“完成”。
button-handover-documents-done = ✔ 完成
handover-review = 📋 <b>{ $home }</b> 交房记录，请核对：
button-handover-submit = 📨 发给业主确认
handover-line-keys = 🔑 钥匙：{ $keys }
handover-line-meter = 📟 { $meter }：{ $reading }
handover-line-meter-absent = 📟 { $meter }：本户没有
handover-line-documents = 📄 资料：{ $documents }
handover-none = 无
handover-line-no-defects = ✅ 没有未完成整改的问题。
handover-line-defects = 🛠 以下 { $count } 项问题保留跟踪，直至修好：
handover-sent = 📨 { $home } 的交房记录已发给 { $count } 位业主。业主确认后才算交付完成，届时您会收到确认后的记录。
handover-sent-nobody = { $home } 的交房记录已保存，但这一户的业主还没有使用本机器人。请业主打开机器人并发送 /myhome，即可在那里确认。
handover-not-possible = { $home } 的交房记录未能发出：这一户不由您办理交付，或已在此期间交付。
handover-meter-photos = 📷 交房时的表读数照片（{ $count } 张）
handover-confirm-ask = 🏡 <b>{ $home }</b>：您的交付大使 { $ambassador } 已记录您房屋的交接情况，请核对：
handover-confirm-how = 如无误，请点“我已收房”。
handover-confirm-how-open = 以上 { $count } 项问题会保留记录，入住后继续整改，每项进展都会通知您。其他内容如无误，请点“我已收房”。
handover-confirm-how-sign = 如无误，请点“✍️ 签字确认收房”并签字。
handover-confirm-how-open-sign = 以上 { $count } 项问题会保留记录，入住后继续整改，每项进展都会通知您。其他内容如无误，请点“✍️ 签字确认收房”并签字。
button-handover-received = ✅ 我已收房
button-handover-issue = ❌ 有不对的地方
handover-confirmed-short = 谢谢！您的房屋已完成交付。
button-handover-sign-send = ✍️ 签署交房记录
button-handover-sign-receive = ✍️ 签字确认收房
handover-saved-sign = 📝 { $home } 的交房记录已保存。请您签字，签字后记录将发给业主。
handover-sent-sign = 📨 { $home } 的交房记录已发给 { $count } 位业主。请您也签字。
handover-signed-sent = { $count ->
    [0] ✍️ 您已签署 { $home } 的交房记录。这一户的业主还没有使用本机器人：请业主打开机器人并发送 /myhome，在那里签字。
   *[other] ✍️ 您已签署 { $home } 的交房记录，已发给 { $count } 位业主签字。业主签字后才算交付完成。
}
handover-sign-needed = 请在交房记录上签字确认收房：点击“✍️ 签字确认收房”。
sign-page-title = 交房确认 · { $home }
sign-page-home = 房屋：{ $home }
sign-page-people = 业主：{ $buyers } · 交付大使：{ $ambassador }
sign-page-draw-here = 请用手指在此签名
sign-page-clear = 清除
sign-page-undo = 撤销
sign-page-read = 我已阅读以上交房记录
sign-page-sign-send = 签字并发送
sign-page-sign-receive = 签字确认收房
sign-page-sending = 正在提交…
sign-page-failed = 签名未能提交，请重试。
sign-page-too-little = 签名太短，请签下您的姓名。
sign-page-signed = 您已签署这份记录。
sign-page-awaiting-ambassador = 交付大使尚未签署这份记录，可以签字时您会收到消息。
sign-page-received = 这套房屋已确认收房。
sign-page-replaced = 这份记录已被新的记录取代，请在聊天中打开最新的记录。
sign-page-offline = 无法连接服务器。请检查网络，然后关闭本页，从聊天中重新打开。
sign-page-unauthorized = 无法确认您的身份。请关闭本页，从聊天中重新打开。
sign-page-thanks-buyer = 谢谢！您已签字，房屋交付完成。交房记录已发到聊天中。
sign-page-thanks-ambassador = { $count ->
    [0] 已签署。这一户的业主还没有使用本机器人。
   *[other] 已签署，记录已发给 { $count } 位业主签字。
}
handover-already-confirmed = 这一户的交房已确认过了。
handover-replaced = 这份交房记录已由交付大使更新，旧的作废。请核对下面最新的记录：
handover-replaced-none = 这份交房记录已由交付大使更新，旧的作废。新的记录不需要您再确认了；如有疑问，请直接在这里留言。
handover-issue-ask = 哪里不对？请描述一下，交付大使会尽快联系您。在您确认之前，交房记录保持未完成。
handover-issue-sent = 已转给您的交付大使，他们会尽快联系您。
handover-issue-to-ambassador = ⚠️ { $buyer }（{ $home }）尚未确认收房：“{ $text }”
handover-record = 📋 <b>交房记录 — { $home }</b>
    { $buyer } 于 { $time } 确认收房；交付大使：{ $ambassador }。
handover-welcome = 🎉 { $name }，欢迎回家！{ $home } 正式属于您了。感谢您一路以来的信任与耐心。{ $ambassador } 会继续做您的交付大使：有任何需要直接在这里留言，随时可以 /report 报修，我们会一直与您保持联系。
card-headline = 欢迎回家
card-ambassador = 交付大使 { $name }
card-footer = 祝您乔迁之喜，阖家幸福
followup-thanks = 🌷 { $name }，感谢您入住 { $home }！如有任何问题：直接在这里留言联系 { $ambassador }，用 /report 拍照报修，或 /complain 投诉。
followup-check = 🏡 { $name }，您收房 { $home } 已经一周了，一切都好吗？
button-followup-good = 👍 一切都好
button-followup-report = 🔧 有问题，我要报修
followup-good-thanks = 太好了，谢谢您！
followup-answered = 谢谢，我们已收到您的回答。
followup-survey = ⭐ { $name }，您对 { $home } 的交付满意吗？1 = 很不满意，5 = 非常满意。
survey-thanks = 感谢您的 { $score } ⭐ 评价！想补充几句吗？直接输入，或点“跳过”。
button-survey-skip = 跳过
survey-done = 感谢您的反馈！
followup-checkin = ☀️ { $name }，您入住 { $home } 已经 { $days } 天了，一切都好吗？在这里留言即可联系 { $ambassador }，也可以 /report 报修。
followup-year-end = 📅 { $name }，{ $home } 交付满一年的日子是 { $date }。如发现需要维修的问题，请在此之前 /report 报修。
followup-digest = 🛠 { $home } 本周整改进度：还有 { $count } 项正在处理。
followup-stop-hint = <i>发送 /stop 即不再接收此类消息（维修进度照常通知）。</i>
stop-done = 您将不再收到回访消息。维修进度和对您留言的回复照常发送。发送 /resume 可重新接收回访。
resume-done = 已恢复接收回访消息。
survey-low-alert = 🚨 满意度偏低：{ $buyer }（{ $home }）打了 { $score } 分（满分 5 分），请今天内联系业主。当前满意度 { $satisfaction }（{ $answers } 份回答）。
survey-comment-to-ambassador = 💬 { $buyer }（{ $home }）补充了满意度评价：“{ $text }”
warranty-covered = 🛡 您于 { $reported } 报修，在保修期内（至 { $until }）：免费维修。
warranty-expired = ⚠️ 您于 { $reported } 报修，此类问题的保修期已于 { $until } 结束。交付大使会与您沟通维修方案。
topic-quality = 工程质量
topic-leakage = 渗漏
topic-delivery-standard = 与合同或承诺不符
topic-facilities = 配套与环境
topic-property-service = 物业服务
topic-paperwork = 证件与手续
topic-other = 其他
level-general = 一般
level-important = 重要
level-major = 重大
complain-which-home = 您要投诉的是哪一套房？
complain-topic = 📣 您要投诉什么问题？
complain-level = { $topic } — 问题的严重程度？
complain-describe = 请用一条消息描述您的投诉。
complain-filed = 📣 您的投诉 #{ $id }（{ $topic }，{ $level }）已登记。投诉接待会在 { $due } 前受理并与您联系。
complaint-to-reception = 📣 投诉 #{ $id } — { $level }
    { $home } · { $buyer } · { $topic }
    “{ $text }”
    请在 { $due } 前受理。
button-complaint-ack = ✅ 确认受理
complaint-acknowledged = ✅ 您的投诉 #{ $id }（{ $topic }）已由 { $name } 受理，会尽快与您联系。
complaint-escalated = ⏰ 投诉 #{ $id } 未在 { $due } 前受理：
    { $home } · { $buyer } · { $topic } · { $level }
    “{ $text }”
group-complaint-flag = 🚩 <b>群诉风险</b>：楼栋 { $building }，{ $days } 天内有 { $count } 户就“{ $topic }”投诉：{ $homes }。
# One waiting complaint: its line, then what the buyer wrote, indented.
complaint-line = { $line }
    {"   "}{ $text }
# When to acknowledge it by, once that time has passed.
complaint-ack-late = { $due } ⏰
button-ack-complaint = ✅ #{ $id }
complaint-ack-done = 投诉 #{ $id } 已受理，并已通知业主。
complaint-ack-already = 投诉 #{ $id } 已经受理过了。
complaints-none = 没有待受理的投诉。
complaints-title = 📣 待受理的投诉：{ $count } 条

## 主管数据（第二步）

cmd-summary = 交付数据与目标对比（/summary [项目|楼栋]）
cmd-targets = 查看或设置项目目标
cmd-overdue = 超期未整改的问题（按工程师、楼栋）
kpi-visit-rate = 到访率
kpi-handover-rate = 整体交付率
kpi-defects-per-household = 户均缺陷率
kpi-leakage-rate = 渗漏率
kpi-satisfaction = 满意度
summary-all-projects = 全部项目
summary-kpi = { $name }：{ $value }{ $versus }
summary-target = （目标 { $target } { $mark }）
summary-target-pending = （目标 { $target }）
summary = 📊 <b>交付数据 — { $scope }</b>（{ $at }）
    房屋 { $units } 户 · 业主 { $buyers } 人 · 无法送达 { $unreachable } 人
    已邀约 { $invited } · 已确认 { $confirmed } · 已到访 { $visited }
    { $visit }
    已交付 { $handed } / { $units }
    { $handover }
    已验房 { $inspected } 户 · 缺陷 { $defects } 个
    { $per_household }
    { $leakage }
    未完成整改 { $open } · 超期 { $overdue }
    { $ageing }
    { $satisfaction } · { $surveys } 份回答
    投诉 { $complaints }（待受理 { $waiting }）· 群诉预警 { $flags }
summary-unknown-scope = “{ $query }”既不是项目也不是楼栋。项目：{ $projects }。请发送 /summary、/summary 项目 或 /summary 楼栋。
project-list = <b>项目</b>（代码 — 显示名称）
project-line = • <code>{ $code }</code> — { $name }
project-usage = 请这样输入：/project name 新名称（或 /project 项目代码 name 新名称）
project-renamed = ✅ 项目 { $code } 的显示名称已改为“{ $name }”。
project-unknown = 没有代码为“{ $code }”的项目。发送 /project 查看。
targets-title = 🎯 { $project } 的目标：
targets-saved = ✅ 已保存。{ $project } 的目标：
targets-none = 未设置
targets-usage = 设置方法：<code>/targets 指标 数值</code>，例如 <code>/targets visit_rate 95%</code> 或 <code>/targets satisfaction 4.5</code>；数值写 <code>-</code> 可清除。有多个项目时，先写项目。
targets-invalid = “{ $value }”不是有效的{ $kpi }目标：比率为 0–100%，满意度 1–5，户均缺陷率为数字。
overdue-none = ✅ 没有超期的问题。
overdue-title = ⏰ <b>{ $count } 个问题已超期</b>
overdue-unassigned = 未派单
# The heading of one engineer's items, with how many.
overdue-engineer = 👷 <b>{ $name }</b> — { $count }
overdue-building = 🏢 楼栋 { $building }
overdue-late = { $due } 到期，已超 { $days } 天
overdue-more = ……另有 { $count } 个。
digest-title = 🌅 <b>每日简报（{ $date }）</b>
cmd-chart = 图表：交付进度对比计划、缺陷分类
chart-title = { $scope } · 交付进度
chart-subtitle = 截至 { $at }
chart-progress = 累计交付与计划
chart-today = 今天
chart-plan = 计划（交付时段）
chart-actual = 已交付
chart-defects = 缺陷分类
chart-empty = 暂无数据
chart-caption = 📈 已交付 { $actual } / 计划 { $planned } · 缺陷 { $defects } 个 — { $scope }
cmd-export = 导出业主、预约、缺陷、交房与满意度（.xlsx；/export csv 导出 CSV）
export-usage = 发送 /export 导出 .xlsx 工作簿，或 /export csv 每张表导出一个 CSV 文件。
export-caption = 📦 共 { $tables } 张表、{ $rows } 行。业主表可原样重新导入。
target-at-most = ≤ { $value }
target-at-least = ≥ { $value }
target-met = ✅
target-missed = ❌
targets-line = • { $kpi } (<code>{ $code }</code>)：{ $value }
list-separator = ，
name-separator = 、

## Layout: the marks that put a line or a message together, the same in every message

# Between the parts of one line: "Kitchen · Leakage · Urgent".
part-separator = {" · "}
# Between two paragraphs (a blank line).
paragraph-break = {"\u000A\u000A"}
# Between alternatives of which any one will do.
alternative-separator = {" / "}
# Between codes a person may type.
option-separator = {", "}
# A code to type and what it names: "engineer (Engineer)".
code-with-name = { $code } ({ $name })
# The title of a section of a longer message.
section-title = <b>{ $title }</b>
# A line and what is said about it.
line-detail = { $line } — { $detail }
# A line and a short aside about it: "Kitchen (📷 2)".
with-aside = { $text } ({ $aside })
list-item = • { $text }
# An entry indented under the line before it.
list-sub-item = {"  "}• { $text }
# A line indented under the heading before it.
list-indent = {"  "}{ $text }
numbered-item = { $number }. { $text }
# An item (a defect, a complaint) by its number and its home: "#12 1-2-301".
item-ref = #{ $id } { $home }
# A home and the names of its buyers: "1-2-301 Li、Wang".
home-with-names = { $home } { $names }
# The option now chosen among several buttons.
button-chosen = • { $label }
# One command in the list of what a person can do.
help-command = /{ $command } — { $description }
# An engineer and the contractor doing the work.
engineer-with-contractor = { $engineer } / { $contractor }
# How many unresolved items are in one age band: "0–7 3".
ageing-band = { $band } { $count }
# Where a value is not known or not given.
no-value = —
count-photos = 📷 { $count }
count-of = { $what } × { $count }
time-range = { $start }–{ $end }
number-range = { $from }–{ $to }
number-above = &gt;{ $from }
checkbox = { $ticked ->
    [yes] ☑
   *[no] ☐
} { $label }
voice-mark = 🎙
survey-score-button = { $score } ⭐

## Before the campaign: the risk register, early calls, key dates
import-kind-risks = 风险清单
flag-discontent = 预沟通不满
risk-category-contract-standard = 合同交付标准与现场不符
risk-category-drawings = 合同图纸与现场不符
risk-category-sales-promise = 销售承诺/楼书与交付不符
risk-category-design-change = 规划/设计变更
risk-category-contact = 地址/联系方式问题
risk-category-other = 其他
risk-severity-low = 低
risk-severity-medium = 中
risk-severity-high = 高
risk-status-open = 未应对
risk-status-response-ready = 应对已就绪
risk-status-resolved = 已解决
risk-status-accepted = 已接受
row-bad-category = “{ $value }”不是已知的风险类别（合同标准、图纸、销售承诺/楼书、规划/设计变更、地址/联系方式、其他）
row-bad-severity = “{ $value }”不是已知的严重程度（高、中、低）
row-bad-scope = 范围只能是 项目、楼栋、户型 或 房号
row-scope-building-missing = 这个范围需要填写楼栋
row-scope-unit-type-missing = 范围为户型时需要填写户型
row-scope-unit-missing = 范围为房号时需要填写房号
row-unknown-staff = 没有名为“{ $value }”的员工（请先导入员工名单，或写手机号）
attitude-calm = 平静
attitude-concerned = 有顾虑
attitude-dissatisfied = 不满
attitude-hostile = 敌对
key-date-risk-review-done = 风险盘点完成
key-date-rehearsal = 演练
key-date-open-day = 工地开放
key-date-first-inspection = 首次验房
key-date-handover-start = 正式交付开始
key-date-handover-end = 正式交付结束
cmd-risks = 风险清单：/risks、/risks add、/risks open、/risks 楼栋、/risks #编号
cmd-dates = 关键节点：/dates、/dates first_inspection 2026-12-10
risk-line = ⚠️ <b>#{ $id }</b> [{ $severity }] { $category } · { $scope }：{ $difference }
risk-details = 　状态：{ $status } · 应对：{ $response } · 责任人：{ $owner }
risk-no-response = （尚未填写应对措施）
risk-scope-project = 全项目
risk-scope-building = { $building } 楼栋
risk-scope-unit-type = 户型 { $unit_type }
risk-scope-unit = { $building }-{ $unit }
risk-owner-told = 📋 这项风险由您负责，请在业主发现之前写好应对措施（我们怎么说、怎么做）：
    { $line }
risk-chase = ⏰ 首次验房（{ $first }）临近，这项风险仍没有应对措施，请尽快填写：
    { $line }
button-risk-respond = ✍️ 填写应对措施
risk-response-enter = 请发送这项风险的应对措施（我们怎么说、怎么做）：
    { $line }
risk-response-saved = ✅ 风险 #{ $id } 的应对措施已保存。
risks-import-help = 发送 .xlsx 或 .csv 文件即可导入风险清单。表头：风险类别、范围、楼栋、户型、房号、差异描述、应对措施、责任人、严重程度（必填：风险类别、差异描述）。同一项目、范围和差异描述再次导入会更新，不会重复。
risk-not-found = 没有这项风险。发送 /risks 查看清单。
risks-none = 风险清单中没有符合的项。添加：/risks add，或发送风险清单文件。
risks-title = 📋 <b>风险清单（{ $filter }）</b> 共 { $count } 项
risks-filter-live = 未关闭
risks-hint = 查看一项：/risks #编号 · 只看未应对：/risks open · 某楼栋：/risks 楼栋 · 全部：/risks all
button-risk-open = #{ $id }
risk-households = 涉及 { $count } 户
risk-history = <b>记录</b>
risk-event = • { $at } { $status } { $note }
button-risk-status = → { $status }
risk-status-set = ✅ 风险 #{ $id } 现在是“{ $status }”。
risk-status-not-allowed = 这一步不能直接走：先填写应对措施，或选择“已接受”。
risk-owner-unknown = 没有名为“{ $name }”的员工（或有重名）。请写员工全名或手机号，或按“以后再说”。
risk-saved = ✅ 风险 #{ $id } 已登记。发送 /risks 查看清单。
button-later = 以后再说
button-nothing = 无
button-done = ✅ 完成
risk-ask-category = 新风险（1/6）：请选择类别。
risk-ask-scope = 新风险（2/6）：涉及范围？请发送“项目”、楼栋（如 3栋）、“户型 A2”，或一户（如 3-1502）。
risk-ask-difference = 新风险（3/6）：请描述差异：合同、图纸、楼书或销售说法与实际交付有什么不同？
risk-ask-response = 新风险（4/6）：计划的应对措施是什么？（我们怎么说、怎么做；也可以以后再填）
risk-ask-owner = 新风险（5/6）：责任人是谁？请发送员工姓名或手机号。
risk-ask-severity = 新风险（6/6）：严重程度？
risk-scope-invalid = 没看懂这个范围。请发送“项目”、楼栋（如 3栋）、“户型 A2”，或一户（如 3-1502）。
text-invalid = 请写一些内容，且不超过 { $max } 个字。
dates-title = 📅 <b>关键节点</b>
dates-saved = ✅ 已保存。<b>关键节点</b>
dates-line = • { $date }（<code>{ $code }</code>）：{ $day }
dates-usage = 设置：<code>/dates first_inspection 2026-12-10</code>（也可写中文名，如 <code>/dates 首次验房 2026-12-10</code>）；写 <code>-</code> 清除。
countdown = ⏳ 距 { $date }（{ $day }）还有 { $days } 天
countdown-late-risks = • { $count } 项风险还没有应对措施
countdown-late-calls = • { $count } 户重点客户还没有联系上
countdown-late-invitations = • { $count } 户还没有邀约
summary-before-campaign = 风险：未应对 { $open } · 应对就绪 { $ready } · 已关闭 { $closed } · 涉及未应对风险 { $households } 户
    重点客户预沟通：共 { $key } 户 · 已联系 { $reached } · 待联系 { $due } · 超期 { $overdue }
risk-warning = ⚠️ #{ $id } { $difference } → { $response }
card-call = 📞 预沟通（{ $due } 前）：{ $state }
call-none = 尚未联系
call-last-reached = { $at } 已联系，{ $attitude }；下一步：{ $next }
call-last-unreached = { $at } 未联系上
button-call-log = 📞 记录预沟通
button-call-home = 📞 { $home }
button-call-reached = ✅ 联系上了
button-call-not-reached = ❌ 没联系上
call-ask-reached = 预沟通：联系上业主了吗？
call-ask-attitude = 业主的态度？
call-ask-risks = 业主提到了下面哪几项？（可多选，选完按“完成”）
call-ask-concerns = 业主的顾虑（原话即可）？没有请按“无”。
call-ask-next-step = 下一步怎么做？没有请按“无”。
call-saved = ✅ 预沟通已记录。
call-saved-escalated = ✅ 预沟通已记录。业主不满：已标记该户并通知主管。
precontact-escalated = 🚨 <b>预沟通：{ $unit }（{ $names }）态度{ $attitude }</b>
    交付大使：{ $ambassador }
    顾虑：{ $concerns }
    提到的风险：{ $risks }
    下一步：{ $next }
precontact-overdue = ⏰ 重点客户 { $unit }（{ $names }）的预沟通已超期（应在 { $due } 前），仍未联系上。交付大使：{ $ambassador }
today-calls-title = 📞 <b>待预沟通的重点客户（{ $count } 户）</b>
today-call = • { $home } { $names } — { $due } 前
flow-use-buttons = 请点击上面的按钮继续（发送 /cancel 退出）。
card-call-undated = 📞 预沟通：{ $state }

## 演练
cmd-rehearsal = 演练：/rehearsal start [户数]、/rehearsal report、/rehearsal end
rehearsal-usage = 用法：/rehearsal start [演练户数，1–20] · /rehearsal report · /rehearsal end · /rehearsal leave（志愿者不再扮演业主）
rehearsal-started = 🎭 <b>演练已开始</b>：在“演练”楼栋生成 { $count } 户演练住户，已分给各位交付大使，{ $day } 共 { $slots } 个验房时段。演练的任何内容都不会发给真实业主，也不计入数据、导出和开发商系统。
    请把下面的链接分别发给扮演业主的同事。谁打开链接，谁就扮演该户业主（邀约、预约、签到、验房、交付），直到 /rehearsal end：
    { $homes }
rehearsal-home-link = • { $home } { $buyer }（交付大使 { $ambassador }）：{ $link }
rehearsal-running = 已有一场演练正在进行（{ $project }）。可发送 /rehearsal report 查看，或发送 /rehearsal end 结束。
rehearsal-no-ambassadors = 员工名单中没有在岗的交付大使，无法接待演练住户。请先添加交付大使。
rehearsal-none = 当前没有进行中的演练。发送 /rehearsal start 开始。
rehearsal-joined = 🎭 您现在在演练中扮演 { $home } 的业主。演练结束前，机器人会把您当作这位业主：邀约马上就到。发送 /rehearsal leave 可退出扮演。
rehearsal-link-taken = 已有其他同事在扮演这一户，请向主管另要一个链接。
rehearsal-link-staff-only = 此链接仅用于员工演练，没有做任何更改。
rehearsal-link-unknown = 此演练链接无效（演练可能已结束），没有做任何更改。
rehearsal-left = 您已退出演练扮演，恢复为员工身份。
rehearsal-not-playing = 您没有在演练中扮演业主。
rehearsal-nobody = 暂无人
rehearsal-report = 🎭 <b>演练报告（{ $project }）</b>
    演练住户 { $count } 户 · 志愿者已加入 { $joined } · 已预约 { $booked } · 已签到 { $checked_in } · 已验房 { $walked_through } · 已交付 { $handed_over }
    各环节用时中位数（分钟）：邀约 → 预约 { $to_booking } · 预约 → 签到 { $to_check_in } · 签到 → 验房完成 { $to_walked } · 验房 → 业主确认收房 { $to_handed_over }
    记录问题：{ $defects } 项
    卡住的地方：中途放弃的对话 { $stalled } · 出错 { $errors } · 发送失败的消息 { $failed }
    { $homes }
rehearsal-report-home = • { $home } — 扮演者 { $player }，交付大使 { $ambassador }：{ $stage }，问题 { $defects } 项
rehearsal-stage-waiting = 链接尚未打开
rehearsal-stage-joined = 已邀约，未预约
rehearsal-stage-booked = 已预约
rehearsal-stage-checked-in = 已签到
rehearsal-stage-walked-through = 已验房
rehearsal-stage-handover-sent = 交付待业主确认
rehearsal-stage-handed-over = 已交付
rehearsal-ended = 演练已结束：{ $count } 户演练住户及其全部记录已删除，志愿者已恢复员工身份。
rehearsal-link-own = 您是这一户演练住户的交付大使，负责接待业主，请把链接交给其他同事扮演业主。没有做任何更改。
rehearsal-nobody-link = 暂无人（链接：{ $link }）

## Importing answers
import-kind-answers = 答复文件
row-bad-yes-no = 无法识别“{ $value }”，请填写“是”或“否”；留空则保持原有设置
row-bad-answer-scope = 无法识别适用范围“{ $value }”，请填写“项目”、楼栋（如 3）、“户型 A2”或一户（如 3-1502）；留空表示整个项目
row-too-many-keywords = 关键词最多 { $max } 个，请保留业主常用的说法
row-keyword-too-long = 关键词“{ $value }”超过 { $max } 个字，请改短或拆成几个关键词

## 统一说辞（答复库）
cmd-answers = 答复库：/answers、/answers add、/answers #编号
cmd-answer = 查找标准答复：/answer 车位
cmd-ask = 提问：/ask 什么时候交钥匙
button-send-answer = 📤 发送此答复
relay-suggested-answer = 💡 <b>标准答复</b>（{ $question }）：
    { $text }
answers-import-help = 发送 .xlsx 或 .csv 文件即可导入答复。表头：问题、关键词（用逗号或顿号分隔）、标准答复（中文）、英文答复、适用范围（项目、楼栋、“户型 A2”或一户）、买家可见（是/否，是否允许买家通过 /ask 直接获得）。问题和标准答复必填。同一问题再次导入时，如有改动则生成新版本。
answers-none = 答复库还是空的。发送 /answers add 添加答复，或发送答复文件（/answers import）。
answers-title = 📚 <b>答复库</b>：{ $count } 条
answer-line = <b>#{ $id }</b> { $question } · 第{ $version }版 · 已用 { $uses } 次 { $buyers }
button-answer-open = #{ $id } { $question }
answers-hint = 查看一条：/answers #编号 · 添加：/answers add · 导入：/answers import · 👁 = 买家可通过 /ask 直接获得
answer-not-found = 答复库中没有这条答复（可能已停用）。
answer-card = 📚 <b>答复 #{ $id }</b>（第{ $version }版，{ $approved_by } 审定，{ $approved_at }；已用 { $uses } 次）
    <b>问题：</b>{ $question }
    <b>关键词：</b>{ $keywords }
    <b>中文：</b>{ $text_zh }
    <b>English：</b>{ $text_en }
    <b>适用范围：</b>{ $scope }
    <b>对应风险：</b>{ $risks }
    <b>买家：</b>{ $buyers }
answer-buyers-yes = 可通过 /ask 直接获得
answer-buyers-no = 仅由交付大使转达
answer-retired = 🗄 已停用：保留历史版本，不再提供。
button-answer-edit-question = ✏️ 问题
button-answer-edit-keywords = ✏️ 关键词
button-answer-edit-zh = ✏️ 中文
button-answer-edit-en = ✏️ English
button-answer-edit-scope = ✏️ 范围
button-answer-edit-risks = ✏️ 风险
button-answer-show = 👁 允许买家通过 /ask 获得
button-answer-hide = 🙈 仅由交付大使转达
button-answer-history = 📜 历史版本
button-answer-retire = 🗄 停用
button-answer-retire-sure = 🗄 确认停用
answer-retire-ask = 确定停用答复 #{ $id } 吗？停用后不再提供，历史版本和使用记录会保留。
answer-retired-now = 🗄 答复 #{ $id } 已停用。
answer-history-title = 📜 <b>答复 #{ $id }</b>：共 { $count } 个版本，最新在前
answer-history-version = <b>第{ $version }版</b> — { $approved_by }，{ $approved_at }
    { $question }
    { $text }
answer-shown = 👁 买家现在可以通过 /ask 直接获得答复 #{ $id }。
answer-hidden = 🙈 答复 #{ $id } 现在仅由交付大使转达给买家。
answer-ask-question = 新答复（1/6）：买家会怎么问？（例如“车位比楼书上说的少，为什么？”）
answer-ask-keywords = 新答复（2/6）：买家常用的关键词和同义词，用逗号分隔（如：车位，停车位，车库）——或点“跳过”。
answer-ask-zh = 新答复（3/6）：请输入中文标准答复。
answer-ask-en = 新答复（4/6）：请输入英文答复——或点“跳过”（英文用户将收到中文答复）。
answer-ask-scope = 新答复（5/6）：适用于哪些房屋？请发送“项目”、楼栋（如 3栋）、“户型 A2”，或一户（如 3-1502）。
answer-ask-buyers = 新答复（6/6）：买家用 /ask 提问时可以直接获得这条答复吗？（否则由交付大使转达。）
answer-ask-risks = 这条答复对应风险清单中的哪些条目？请发送编号（如 3, 5），没有请发送“-”。
answer-current-value = 当前：{ $value }
answer-risks-invalid = 请发送风险编号，如 3, 5；没有请发送“-”。
button-answer-whole-project = 整个项目
button-answer-buyers-yes = 👁 可以
button-answer-buyers-no = 仅由交付大使转达
answer-saved = ✅ 答复 #{ $id } 已加入答复库。员工可用 /answer 查找，或在任意聊天中输入 @机器人 加关键词直接发送。
answer-edited = ✅ 答复 #{ $id } 已更新为第{ $version }版；旧版本已保留（📜 历史版本）。
answer-usage = 请在 /answer 后面写关键词或问题，例如：/answer 车位。
answer-nothing = 没有与“{ $query }”匹配的标准答复。请联系主管添加（/answers add）。
answer-found-title = 📚 与“{ $query }”相关的标准答复：
answer-found = <b>#{ $id } { $question }</b>
    { $text }
answer-inline-hint = 在任意聊天中输入 @{ $bot } 加关键词，即可直接发送标准答复。
answer-inline-other-language = { $question }（{ $language }）
ask-enter = 请输入您的问题，我会为您查找答复，或转给您的交付大使。
ask-answered = 📚 { $text }

    如果没有解答您的问题，请直接在这里留言，您的交付大使会回复您。

## 专家会诊与应急决策小组
cmd-consult = 专家会诊：/consult 法务 问题
cmd-incidents = 应急决策小组的事件（未关闭和已关闭）
cmd-setgroup = 登记群组：在群里发送 /setgroup decision
expert-field-sales = 销售
expert-field-engineering = 工程
expert-field-design = 设计
expert-field-legal = 法务
button-consult = 🧑‍🏫 请教专家
button-consult-answer = ✍️ 回答
button-consult-send = 📤 发给业主
button-consult-library = 📚 加入答复库
consult-context = 🏠 { $home } · 等级 { $tier } · 标记：{ $flags } · 未关闭风险：{ $risks }
consult-to-expert = 🧑‍🏫 <b>会诊 #{ $id }</b>（{ $field }），来自 { $asker }：
    { $question }
consult-no-expert = 🧑‍🏫 <b>会诊 #{ $id }</b>（{ $field }），来自 { $asker }——员工名单中没有该领域的专家，因此转给您：
    { $question }
consult-escalated = ⏰ <b>会诊 #{ $id }</b>（{ $field }，来自 { $asker }）已 { $hours } 小时无专家回答：
    { $question }
consult-answered = 🧑‍🏫 <b>{ $expert }</b>（{ $field }）回答了会诊 #{ $id }：
    问：{ $question }
    答：{ $answer }
consult-usage = 用法：/consult 领域 问题，例如：/consult 法务 业主能否因车位配比拒收钥匙？领域：{ $fields }。不超过 { $max } 个字。
consult-sent = ✅ 会诊 #{ $id } 已发给 { $count } 位{ $field }专家，回答会发到这里；如 { $hours } 小时内无人回答，将通知主管。
consult-sent-supervisors = ✅ 员工名单中没有{ $field }专家：会诊 #{ $id } 已转给主管，回答会发到这里。
consult-which-field = 请选择由哪个领域的专家回答这位业主的问题：
consult-already-answered = 该会诊已有回答。
consult-answer-enter = ✍️ 请输入您对会诊 #{ $id }（{ $question }）的回答。回答会发给提问的同事，由其决定是否转给业主：
consult-answer-saved = ✅ 谢谢！您对会诊 #{ $id } 的回答已发给提问的同事。
consult-in-library = 📚 已加入答复库，编号 #{ $answer }。可用 /answers #{ $answer } 补充关键词和英文答复。
setgroup-not-allowed = 只有主管可以登记本群，没有做任何更改。
setgroup-usage = 请在应急决策小组的群里发送 /setgroup decision。
setgroup-decision-done = ✅ 本群已登记为应急决策小组：群诉、重大投诉、有媒体或政府关系标记的住户的投诉、严重超期的问题以及爽约较多的日子都会发到这里，每条都有“我来负责”按钮。本群不会收到任何业主电话。
setgroup-in-group = 请在群里发送 /setgroup decision（先把 @{ $bot } 拉进群）。
incident-raised = 🚨 <b>事件 #{ $id }</b>
    { $summary }
button-incident-take = 🙋 我来负责
button-incident-close = ✅ 关闭
incident-taken = 🙋 { $name } 负责事件 #{ $id }。
incident-closed = ✅ 事件 #{ $id } 已由 { $name } 关闭。
incident-yours = 事件 #{ $id } 由您负责。
incident-taken-by = 事件 #{ $id } 已由 { $name } 负责。
incident-closed-short = 该事件已关闭。
incidents-none = 目前没有事件。
incidents-title = 🚨 <b>事件</b>（未关闭在前，随后是最近关闭的）
incident-state-open = 未关闭，无人负责
incident-state-taken = { $name } 负责
incident-state-closed = 已关闭
incident-line = <b>#{ $id }</b> { $at } · { $state }
    { $summary }
incident-group-complaint = 群诉：{ $building } 栋有 { $count } 户在 { $days } 天内就“{ $topic }”投诉（{ $homes }）。
incident-complaint = { $home } 的投诉（{ $topic }，{ $level }；标记：{ $flags }）：{ $text }
incident-overdue = 一个问题已超期 { $days } 天：{ $defect }
incident-no-shows = { $date }：{ $visits } 个预约中有 { $missed } 个未到且未通知。
row-bad-expert-field = “{ $value }”不是专家领域（销售、工程、设计、法务）

## 户型图
cmd-plan = 户型图：发送图片并附说明 /plan A2
cmd-plans = 各户型的户型图
plan-usage = 添加或更换户型图：请把户型图以 PNG 或 JPEG 图片发送（以文件发送更清晰），并附说明 /plan A2——户型名称与业主名单“户型”列一致。镜像（反户型）的房屋：/plan 1-1-101 镜像（恢复：/plan 1-1-101 正常）。
plan-saved = ✅ 户型 { $unit_type } 的户型图已保存（第 { $version } 版，{ $width }×{ $height } 像素）；该户型共 { $homes } 户。
plan-pdf = PDF 不能作为户型图。请把该页导出为 PNG 或 JPEG 图片后发送。没有做任何更改。
plan-not-an-image = 该文件不是 PNG 或 JPEG 图片，不能作为户型图。没有做任何更改。
plan-too-large = 户型图超过 { $limit_mb } MB，请发送较小的图片。没有做任何更改。
plans-none = 还没有户型图，也没有房屋登记户型（业主名单的“户型”列）。{ plan-usage }
plans-title = 🗺 <b>户型图</b>
plans-line = • { $unit_type }：第 { $version } 版，{ $width }×{ $height } · { $homes } 户
plans-missing = • { $unit_type }：尚无户型图 · { $homes } 户
plan-home-mirrored = ✅ { $home } 按镜像（反户型）显示户型图，问题位置随之左右翻转。
plan-home-normal = ✅ { $home } 按原户型图显示（不镜像）。
button-mark-on-plan = 📍 在户型图上标注位置
button-plan-view = 🗺 在户型图上查看
button-type-plan-view = 🗺 本栋 { $unit_type } 户型的全部问题
plan-page-title-place = { $home } · 第 { $number } 项的位置
plan-page-title-home = { $home } · 户型 { $unit_type }
plan-page-title-type = { $building } 栋 · 户型 { $unit_type } 的全部问题
plan-page-hint = 在户型图上点按问题所在的位置。双指可放大、拖动。
plan-page-save = 保存位置
plan-page-saving = 正在保存…
plan-page-saved = ✅ 位置已保存。
plan-page-failed = 位置未能保存，请重试。
plan-page-locked = 这一项的位置由交付大使标注。
plan-page-zoom-in = 放大
plan-page-zoom-out = 缩小
plan-page-reset = 复原
plan-page-not-found = 找不到这一项，或您无权查看。请从聊天中重新打开。
plan-page-bad-position = 请在户型图范围内点按。
plan-page-all = 全部
plan-page-status = 状态
plan-page-kind = 类型
plan-page-above-plain = 显示楼上同户型的问题
plan-page-above = 显示楼上 { $home } 的问题
plan-page-no-pins = 还没有标注位置的问题。
plan-page-close = 关闭
plan-page-unpinned = 另有未标注位置的问题，见聊天中的列表。
plan-page-room-shaded = 户型图上的阴影处：{ $room }。
plan-page-saved-outside = ✅ 位置已保存——它在户型图上标出的“{ $room }”区域之外。如果问题在别处，请在那里点按后再保存。
plan-areas-title = 户型 { $unit_type } · 房间区域
plan-areas-hint = 先选择房间，再在户型图上依次点按它的各个角。形状正确后保存。
plan-areas-room = 房间
plan-areas-save = 保存区域
plan-areas-undo = 撤销上一个角
plan-areas-remove = 删除
plan-areas-none = 还没有画出房间区域。
plan-areas-saved = ✅ “{ $room }”的区域已保存。
plan-areas-removed = ✅ 区域已删除。
plan-areas-no-room = 请先选择房间。没有做任何更改。
plan-areas-corners = 一个区域需要 3 到 40 个角。没有做任何更改。
plan-areas-too-small = 这些角几乎围不出面积，请沿房间四周依次点按各个角。没有做任何更改。
button-room-areas = ✏️ 画 { $unit_type } 户型的房间
