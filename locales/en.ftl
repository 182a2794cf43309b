# handover-bot — English. Telegram HTML: only <b>, <i>, <code>, <a href>; arguments are escaped by the code.

## Start, linking and greetings

start-share-phone = Welcome to the home handover assistant! 🏡
    To find your home or your staff account, please tap <b>Share my phone number</b> below. We only use it to recognise you.
button-share-phone = 📱 Share my phone number
contact-not-own = That seems to be someone else's contact. Please tap <b>Share my phone number</b> to share your own.
contact-no-match = Thank you! We could not find this phone number in our records yet.
    If you bought a home in this project, please ask your delivery ambassador or the customer-relations desk to check the phone number we have on file. Staff can ask a supervisor for an invite link.
greeting-buyer = Hello, { $name }! 🎉 Your account is now linked to your home { $homes }.
    I will keep you posted on your inspection, repairs and handover right here.

    What you can do:
    { $help }
greeting-staff = Hello, { $name }! You are signed in as { $roles }.

    Your commands:
    { $help }
welcome-back = Welcome back, { $name }!

    { $help }
invite-unknown = Sorry, this invite link is not valid. Please ask your supervisor for a new one.
invite-used = This invite link has already been used. Please ask your supervisor for a new one.
invite-expired = This invite link has expired. Please ask your supervisor for a new one.
not-linked = I don't know you yet. Please send /start and share your phone number first.
access-ended = Hello. Your access to this bot has ended, so nothing can be done here any more. If you think this is a mistake, please contact the project's supervisor.
access-ended-notice = Hello. Your access to this bot has ended. Thank you for your work on the handover. If you think this is a mistake, please contact the project's supervisor.
access-phone-moved = Hello. The phone number on file for home { $unit } has been updated, so this Telegram account no longer has access to it. If this is your home, please share your current phone number with /start.
flow-no-longer-yours = Sorry, this is no longer yours to do (the home or item was passed to someone else, or your role changed). This step was not saved and the flow has ended.
group-only = I work in private chats only. Please write to me directly: @{ $bot }

## Help and general answers

help-unlinked = I help buyers and staff through the home handover. Send /start and share your phone number to begin.
help-intro = Here is what you can do:
help-mini-app = ✍️ The handover record is signed on a page that opens inside Telegram: the ambassador signs it before it goes to the buyer, and the buyer signs to receive the home.
unknown-command = Sorry, I don't know the command { $command }. Here is what you can do:
    { $help }
forbidden = Sorry, { $command } is not available for your role. Nothing was changed.
free-text-hint = I read commands and buttons. Send /help to see what you can do.
unsupported-message = Sorry, I can't use this kind of message here. Send /help to see what you can do.
stale-button = This button is no longer active.
dialogue-reset = Sorry, I lost track of our previous conversation after an update. Let's start again — send /help to see what you can do.
error-generic = Sorry, something went wrong on our side. Please try again in a moment; nothing you sent is lost.
error-generic-short = Something went wrong. Please try again.
cancel-done = OK, cancelled.
cancel-nothing = There is nothing to cancel.
me-staff = You are { $name }, signed in as { $roles }.

## Language

language-name = English
language-choose = Please choose your language:
language-set = Done — I will speak English with you from now on.

## Command menu

cmd-start = Start and link your account
cmd-help = What I can do for you
cmd-language = Change the language
cmd-cancel = Cancel the current step
cmd-me = Who I am signed in as
cmd-myhome = My home and mailing address
cmd-address = Check or correct my mailing address
cmd-people = Buyers and staff loaded so far
cmd-staff = The staff list
cmd-import = How to load buyers or staff from a file
cmd-queue = Messages and scheduled work waiting or failed
cmd-deactivate = Mark a staff member as left: /deactivate NAME or PHONE
cmd-project = Projects and their display names: /project name NEW NAME
cmd-invite = Invite buyers to book a visit (staff invite links: /invite ROLE NAME)

## Roles

role-ambassador = delivery ambassador
role-backup-ambassador = backup ambassador
role-engineer = engineer
role-supervisor = supervisor
role-admin = administrator

## Buyer: home and mailing address

myhome-title = <b>Your home</b>
myhome-line = 🏠 { $unit } — { $name }
    📮 Mailing address: { $address }
address-none = not on file
address-ask = We will send important documents to this mailing address:
    <b>{ $address }</b>
    Is it still correct?
button-address-ok = ✅ Yes, correct
button-address-fix = ✏️ Correct it
address-confirmed = Thank you! Your mailing address is confirmed.
address-already-confirmed = Your address is already confirmed.
address-enter-new = Please type your full mailing address (or send /cancel).
address-text-expected = Please type your mailing address as text (or send /cancel).
address-invalid = That does not look like a full address. Please type it in one message, up to { $max } characters.
address-saved = Thank you! We saved your new mailing address:
    <b>{ $address }</b>

## Supervisor: import

document-not-expected = Thank you, but I can't use files here. Send /help to see what you can do.
import-help = To load buyers or staff, send me a <b>CSV</b> or <b>Excel (.xlsx)</b> file (up to { $limit_mb } MB) as a document. I tell buyers and staff lists apart by their headers. Every row is checked first: if any row is wrong, nothing is imported and I tell you the line and column. Importing the same file again changes nothing.
    Accepted headers:
import-required = (required)
import-header-line = • <code>{ $canonical }</code> { $required } — { $spellings }
import-kind-buyers = buyer list
import-kind-staff = staff list
import-kind-slots = slot list
import-done = ✅ Imported the { $kind }: { $total } rows — { $created } new, { $updated } updated, { $unchanged } unchanged.
import-kept-addresses = { $count } buyers' mailing addresses that they confirmed themselves were kept rather than replaced by the file's.
import-left = { $count } staff marked as left: their access has ended.
import-rejected = ❌ The file was not imported; nothing was changed.
    { $reason }
    Please fix the file and send it again.
import-too-large = Sorry, this file is too large. Files up to { $limit_mb } MB are accepted.
import-unsupported-format = Sorry, I can only read .csv and .xlsx files. Please save the sheet in one of these formats and send it again.
import-error-empty = The file has no data rows.
import-error-unknown-kind = I could not tell what kind of list this is: a buyer list needs a room column (房号 / room), a staff list a role column (角色 / roles), a slot list a start column (开始时间 / start), a risk register a description column (差异描述 / description), an answers file a question and an answer column (问题 / question, 标准答复 / answer). Send /import to see the accepted headers.
import-error-missing-columns = The { $kind } lacks required columns: { $columns }.
import-error-duplicate-column = The column { $column } appears twice.
import-error-encoding = Line { $line } is not readable text. Please save the file as UTF-8 CSV or as .xlsx.
import-error-csv = Line { $line }: the row's structure is broken ({ $message }).
import-error-spreadsheet = The spreadsheet could not be read ({ $message }).
import-error-too-many-rows = The file has more than { $max } rows; please split it.
import-error-unpacks-too-large = The spreadsheet holds more than { $limit_mb } MB once unpacked; please split it or save it again without extra content.
import-error-rows = { $count ->
        [one] I found 1 problem:
       *[other] I found { $count } problems:
    }
import-error-more = …and { $count } more.
row-error = • Line { $line }, column “{ $column }”: { $problem }
row-missing = this value is required
row-bad-phone = “{ $value }” is not a valid phone number
row-bad-tier = “{ $value }” is not a tier (A+, A, B or C)
row-bad-risk-flag = “{ $value }” is not a known risk flag (群诉 group_complaint, 挑头 ringleader, 媒体 media, 政府 government)
row-bad-role = “{ $value }” is not a known role (ambassador, backup_ambassador, engineer, supervisor, admin)
row-bad-seniority = “{ $value }” is not a seniority (senior or regular)
row-bad-number = “{ $value }” is not a whole number
row-out-of-range = { $value } must be between { $min } and { $max }
row-bad-language = “{ $value }” is not a supported language (zh-CN or en)
row-too-long = longer than { $max } characters
row-duplicate = the same entry is already on line { $first_line }
row-cell-error = the cell holds the error value { $value }
row-bad-date = not a date: { $value } (write it like 2026-12-01)
row-bad-time = not a time: { $value } (write it like 09:00)
row-end-not-after-start = the end must be after the start
row-bad-slot-kind = unknown slot kind: { $value } (inspection or handover)
row-bad-status = unknown status: { $value } (active/在职 or left/离职)
row-admin-only = only an admin may grant or remove the admin role; ask an admin to import this row

## Supervisor: invites and lists

invite-usage = Staff invite link: please write the role, and optionally the person's name, for example:
    <code>/invite ambassador Li Lei</code>
    Roles: { $roles }
    Inviting buyers to choose an inspection time: <code>/invite all</code>, <code>/invite building 3</code>, <code>/invite tier A+</code> (add <code>handover</code> for handover slots)
invite-name-too-long = The name is too long (at most 100 characters).
invite-created = Invite link for a { $role } ({ $name }):
    { $link }
    It works once and expires at { $expires }. Send it only to that person.
staff-none = No staff have been loaded yet. Send /import to see how.
staff-title = <b>Staff ({ $count })</b>
deactivate-usage = Please write: /deactivate NAME (or their phone number)
deactivate-done = ✅ { $name } has been deactivated: their access has ended and their households wait for /assign.
deactivate-not-found = No current staff member is called or has the phone “{ $query }”. /staff lists them.
deactivate-ambiguous = Several staff members are called “{ $query }”; please give the phone number instead.
deactivate-not-allowed = Sorry, you cannot deactivate { $name } (only an admin can deactivate an admin, and nobody can deactivate themselves).
staff-line-linked = ✅ { $name } — { $roles }
staff-line-unlinked = ⏳ { $name } — { $roles } (not linked yet)
people-counts = <b>Loaded so far</b>
    🏠 Homes: { $units }
    👤 Buyers: { $buyers } (linked to Telegram: { $buyers_linked })
    🧑‍💼 Staff: { $staff } (linked to Telegram: { $staff_linked })
    🚫 Unreachable on Telegram (blocked the bot): { $unreachable }

## Supervisor: delivery queue

queue-none = —
queue-report = <b>Delivery queue</b>
    ✉️ Messages: { $outbox_pending } waiting, { $outbox_failed } failed, { $outbox_sent } sent; oldest due: { $outbox_oldest }
    ⏰ Scheduled work: { $jobs_pending } waiting ({ $jobs_due } due now), { $jobs_running } running, { $jobs_failed } failed; oldest due: { $jobs_oldest }

## Ambassadors: commands

cmd-ambassador = Who my delivery ambassador is
cmd-customers = My buyers, by stage
cmd-customer = One buyer's card: /customer 3-1502 or a name
cmd-away = I am away: backups take my buyers (/away [YYYY-MM-DD])
cmd-back = I am back (a supervisor returns my buyers)
cmd-sharephone = Let my buyers see my phone: /sharephone on|off
cmd-assign = Assign every unassigned buyer (preview first)
cmd-reassign = Move a home to another ambassador: /reassign 3-1502 Name
cmd-ambassadors = Every ambassador's load and status

## Ambassadors: stages and flags

stage-all = All
stage-not-invited = Not invited
stage-invited = Invited
stage-confirmed = Confirmed
stage-visited = Visited
stage-handed-over = Handed over
flag-group-complaint = group-complaint risk
flag-ringleader = possible ringleader
flag-media = media ties
flag-government = government ties

## Ambassadors: auto-assignment

assign-preview-title = <b>Assignment plan: { $count } homes to place</b>
assign-senior-mark = ⭐
assign-preview-line = { $name }{ $senior }: +{ $count } (A+/flagged { $sensitive }), buildings { $buildings } → { $load }/{ $capacity }
assign-unplaced = ⚠️ <b>Cannot be placed ({ $count })</b> — not enough capacity (A+ and flagged buyers only go to senior ambassadors):
    { $list }
assign-preview-footer = Nothing is saved until you confirm. Buyers and ambassadors are told after confirmation.
assign-nothing = Every buyer already has an ambassador. Nothing to assign.
button-assign-confirm = ✅ Confirm
button-cancel = ✖️ Cancel
assign-cancelled = Cancelled. Nothing was changed.
assign-done = ✅ { $count } homes assigned. Not placed: { $unplaced }. Buyers and ambassadors are being told.
assign-stale = The buyers or ambassadors changed since that preview, so nothing was saved. Here is the plan as it stands now:

## Ambassadors: reassignment, away and back

reassign-usage = Please write it as: /reassign 3-1502 Ambassador Name
reassign-done = ✅ Home { $unit } is now looked after by { $name }. Everyone concerned is being told.
household-not-found = I could not find a home or buyer "{ $query }". Use the home as building-room (3-1502) or building-entrance-room (3-2-1502), or the buyer's full name.
household-ambiguous = Several homes match: { $list }. Please name the home exactly.
ambassador-not-found = I could not find an ambassador named "{ $name }". /ambassadors lists them.
away-date-past = That date is in the past. Please give today or a later day, e.g. /away 2026-12-01.
away-until-back = until they are back
away-done = ✅ { $name } is away ({ $until }). { $count } homes moved to backup ambassadors; everyone concerned is being told. /back ends the absence.
away-unplaced = ⚠️ No backup could take these { $count } homes; they stay with their ambassador — please /reassign them:
    { $list }
back-done = ✅ Welcome back, { $name }. { $count } of the homes are with backups for now; a supervisor will return them.
back-ask-return = { $name } is back at work. { $count } of their homes are still with backup ambassadors. Return them?
button-return = ↩️ Return { $count } homes
return-done = ✅ { $count } homes are back with { $name }. Everyone concerned is being told.

## Ambassadors: notifications

reason-assigned = assignment
reason-reassigned = reassignment
reason-away = cover while someone is away
reason-returned = return after an absence
staff-gained = 📋 <b>{ $count } homes are now yours</b> ({ $reason }):
    { $list }
    /customers shows all your buyers.
staff-gained-unanswered = 💬 <b>Earlier messages from these buyers that nobody has answered yet</b> — please get back to them:
staff-unanswered-line = • { $unit } { $buyer } ({ $at }): { $text }
staff-lost = 📋 <b>{ $count } homes were handed on</b> ({ $reason }):
    { $list }
supervisor-moves = 📋 { $count } homes moved ({ $reason }):
    { $list }
ambassador-phone-line = Phone: { $phone }
buyer-intro = Dear { $buyer }, welcome! { $ambassador } is your delivery ambassador for home { $home } and will accompany you from the inspection to the keys.
    { $phone }
    Whenever you have a question, write to me here and { $ambassador } will get back to you. /ambassador shows who looks after you.
buyer-covered = Dear { $buyer }, while your ambassador is away, { $ambassador } looks after home { $home } for you.
    { $phone }
    Write to me here as before; nothing you started is lost.
buyer-returned = Dear { $buyer }, your delivery ambassador { $ambassador } is back and looks after home { $home } again.
    { $phone }
buyer-new-ambassador = Dear { $buyer }, your delivery ambassador for home { $home } is now { $ambassador }.
    { $phone }
    Write to me here whenever you need anything.

## Ambassadors: lists and cards

customers-title = <b>My buyers — { $filter }: { $count } of { $total }</b> (page { $page }/{ $pages })
customers-none = No buyers here.
button-previous = ◀️ Previous
button-next = Next ▶️
customer-usage = Please write the home or the buyer's name, e.g. /customer 3-1502.
household-not-yours = No buyer of yours matches "{ $query }".
household-not-yours-short = This buyer is not assigned to you.
household-choose = Several of your buyers match. Which one?
card-title = 🏠 <b>{ $unit }</b>
card-buyer = 👤 { $name } · { $phone }
card-details = Mailing address: { $address }
    Tier: { $tier } · Flags: { $flags }
    Stage: { $stage }
    Ambassador: { $ambassador }
card-no-flags = none
card-no-ambassador = not assigned yet
card-no-notes = No notes yet.
card-notes = <b>Notes</b>
card-note = • { $at } { $author }: { $text }
button-add-note = 📝 Add a note
note-enter = Please type the note (text). /cancel stops.
note-text-expected = Please send the note as text, or /cancel.
note-invalid = A note needs some text and at most { $max } characters.
note-saved = ✅ Note saved.
ambassadors-none = No ambassadors have been loaded yet.
ambassadors-title = <b>Ambassadors ({ $count })</b>
ambassadors-line = { $name }{ $senior } ({ $role }): { $count }/{ $capacity } homes, A+/flagged { $sensitive }, buildings { $buildings }, covered by backups { $covered } — { $status }
ambassador-at-work = at work
ambassador-away = away
ambassador-away-until = away until { $until }
sharephone-usage = Please write /sharephone on or /sharephone off.
sharephone-on = ✅ Your buyers now see your phone number with your name.
sharephone-off = ✅ Your phone number is no longer shown to buyers.
my-ambassador-line = 🏠 { $home }: your delivery ambassador is { $name }. { $phone }
my-ambassador-none = 🏠 { $home }: an ambassador will be assigned to you soon.

## Buyers and their ambassador talking through the bot

relay-from-buyer = 💬 <b>{ $unit } { $buyer }</b> wrote:
    { $text }
relay-media-kind = { $kind ->
    [photo] 📷 photo
    [voice] 🎙 voice note
   *[document] 📎 file
}
# A relayed file or photo and the words sent with it.
media-with-caption = { $what } { $caption }
button-reply = ↩️ Reply
relay-from-staff = 💬 Your delivery ambassador { $name }:
    { $text }
relay-sent-ambassador = ✅ Passed on to your delivery ambassador { $name }, who will reply here.
relay-sent-team = ✅ Passed on to our customer-relations team; your ambassador will be assigned soon and will reply here.
relay-kept = ✅ Your message is recorded; our team will reply here as soon as possible.
button-report-relayed = 📝 Report this as a problem
relay-too-long = That message is too long to pass on in one piece (at most { $max } characters). Please send it in parts.
reply-enter = Please type your reply to the buyer (text). /cancel stops.
reply-sent = ✅ Sent to { $count } buyer(s) of this home.
reply-nobody-linked = No buyer of this home has linked their Telegram account yet, so nothing was sent. Please call them.
away-usage = Please name the ambassador: /away Name [YYYY-MM-DD]
back-usage = Please name the ambassador: /back Name

## Appointments

cmd-slots = Inspection/handover slots: /slots; add: /slots add 2026-12-01 09:00-10:00 10
cmd-appointment = My appointment (reschedule or cancel)
cmd-today = Today's appointments and arrivals
kind-inspection = inspection
kind-handover = handover
weekday-mon = Mon
weekday-tue = Tue
weekday-wed = Wed
weekday-thu = Thu
weekday-fri = Fri
weekday-sat = Sat
weekday-sun = Sun
meeting-point-default = the project's handover centre
your-ambassador = your delivery ambassador
slot-invalid = That slot is not right: { $why }
    Please write it as <code>/slots add 2026-12-01 09:00-10:00 10</code> (add handover at the end for a handover slot).
slot-error-format = it needs DATE START-END CAPACITY [KIND]
slot-error-date = the date is not a calendar date
slot-error-times = times are HH:MM-HH:MM with the end after the start
slot-error-capacity = the capacity is a whole number from 1 to 1000
slot-error-kind = the kind is inspection or handover
slot-in-past = That time has passed; please give a future time.
slot-added = ✅ New { $kind } slot: { $when }, { $capacity } homes.
slot-exists = That slot exists already; nothing was changed.
slots-none = No upcoming slots yet. Add one: <code>/slots add 2026-12-01 09:00-10:00 10</code>
slots-title = <b>Upcoming slots ({ $count })</b>
slots-line = { $kind } { $when }: { $booked }/{ $capacity } booked
invite-buyers-usage = Invite buyers with <code>/invite all</code>, <code>/invite building 3</code> or <code>/invite tier A+</code>; add <code>handover</code> at the end for handover slots. An ambassador's <code>/invite</code> invites their own buyers.
invite-no-slots = There is no { $kind } slot with seats left. Add slots with /slots add first.
invite-buyers-done = ✅ { $invited } homes invited ({ $already } already had an appointment and were not invited again). { $offline } of them have not linked Telegram yet; please call them.
invite-buyer = Dear { $buyer }, you are warmly invited to the { $kind } of { $home }. Please choose a time that suits you; each button shows the seats left:
invite-nudge = Dear { $buyer }, the { $kind } of { $home } has no time yet. Please choose one that suits you:
book-full-options = That time has just filled up. Please choose another { $kind } time:
missed-options = Dear { $buyer }, we missed you at the { $kind } of { $home } ({ $when }). If you would like another time, please choose one:
slot-button = { $when } · { $seats } left
button-other-time = 📞 None suit me, please call
options-now-booked = ✅ The { $kind } of { $home } is booked: { $when }.
options-now-cancelled = ✖️ The { $kind } booking for { $home } is cancelled.
options-now-checked-in = ✅ The { $kind } of { $home }: checked in.
book-confirmed = ✅ Dear { $buyer }, your { $kind } of { $home } is booked:
    🕘 { $when }
    📍 { $place }
    { $ambassador } will welcome you there. The calendar file below adds it to your calendar. To change it, send /appointment.
ics-summary = { $kind } { $home }
ics-description = Delivery ambassador: { $ambassador }
ics-caption = 📅 Calendar file: open it to add the visit to your calendar
staff-booking = 📅 { $home } { $names } booked { $when }.
staff-booking-moved = 📅 { $home } { $names } moved their visit to { $when }.
staff-call-me = 📞 { $home } { $names } would like another time; please call: { $phones }
staff-cancelled = 📅 { $home } { $names } cancelled their visit.
staff-nudged = ⏰ { $home } { $names } has not chosen a time since the invitation; they were reminded. Please follow up: { $phones }
staff-no-show = ⚠️ { $home } { $names } did not come ({ $when }). Please call: { $phones }
staff-arrived = 👋 { $home } { $names } has arrived.
staff-arrived-late = 👋 { $home } { $names } came late and is checked in (booked for { $when }); no longer a no-show.
reminder-before = ⏰ Dear { $buyer }, a reminder: the { $kind } of { $home } is at { $when }, at { $place }. To change it, send /appointment.
reminder-day-of = 🌟 Dear { $buyer }, today is your { $kind } day for { $home }!
    🕘 { $when }
    📍 { $place }
    { $ambassador } is getting ready for you. When you arrive, tap "I'm here".
button-im-here = 📍 I'm here
appointment-none = You have no appointment at the moment. You can choose a time once you are invited.
appointment-booked = 🏠 { $home }, { $kind }: { $when }
appointment-invited = 🏠 { $home }, { $kind }: no time chosen yet.
appointment-checked-in = 🏠 { $home }, { $kind }: { $when }, checked in.
button-reschedule = 🔁 Reschedule
button-cancel-booking = ✖️ Cancel
button-choose-time = 🕘 Choose a time
book-done-short = ✅ Booked { $when }
book-full = That time has just filled up; other times are on their way.
book-not-available = That time can no longer be booked.
book-not-offered = Sorry, that time is not among the times arranged for you; please choose one from your invitation.
book-too-late = Your home is booked for { $when }. It is too close to that visit to change it here; please contact your delivery ambassador.
book-closed = This appointment is over or cancelled.
book-not-yours = This is not your appointment.
book-options-sent = Times to choose from are on their way.
book-cancelled-short = Cancelled
book-cancelled = Your appointment is cancelled. Your delivery ambassador will contact you for another time.
book-cancelled-household = { $who } cancelled the { $kind } booking for { $home }. Your delivery ambassador will contact you for another time.
other-time-short = Your ambassador has been told
other-time = All right — your delivery ambassador will call you soon to find another time.
checked-in-short = ✅ Checked in
checked-in-welcome = Welcome! You are checked in; your delivery ambassador is on the way.
checked-in-already = ✅ You are checked in; your delivery ambassador is on the way.
welcome-checked-in = ✅ Checked in.
visit-completed = Your visit on { $when } is complete. Thank you for coming!
visit-missed = You did not come on { $when }. For another time, please contact your delivery ambassador.
today-none = No appointments today.
today-title = <b>Today's appointments ({ $count })</b>
today-line = { $time } { $home } { $names } · { $kind } · { $status }
status-confirmed = expected
status-checked-in = checked in
status-no-show = no-show
status-completed = completed
button-check-in = ✅ Check in { $home }
site-title = <b>The site today (by hour)</b>
site-hour = { $hour }: booked { $booked }, arrived { $arrived }, no-shows { $no_shows }
site-visit-rate = Visit rate: { $rate } ({ $visited } visited / { $invited } homes invited)

## Defects: the walk-through

cmd-inspect = Record an inspection: /inspect 3-1502
cmd-defects = A home's defects: /defects 3-1502
cmd-mydefects = My home's defects and their repair
room-living = Living room
room-bedroom = Bedroom
room-kitchen = Kitchen
room-bathroom = Bathroom
room-balcony = Balcony
room-exterior = Exterior
room-other = Other
category-leakage = Leakage
category-hollow-crack = Hollow/cracks
category-paint = Paint & walls
category-tiles = Tiles & floors
category-doors = Doors & windows
category-plumbing = Plumbing
category-electrical = Electrical
category-fixtures = Fixtures
category-exterior = Exterior
category-other = Other
severity-urgent = Urgent
severity-high = High
severity-normal = Normal
severity-low = Low
defect-status-recording = being recorded
defect-status-open = to be fixed
defect-status-assigned = assigned
defect-status-in-progress = being fixed
defect-status-fixed = fixed
defect-status-verified = checked
defect-status-closed = closed
defect-status-reopened = to be fixed again
defect-status-reported = awaiting review
defect-status-rejected = not a defect
inspect-usage = Please write the home or the buyer's name, e.g. /inspect 3-1502.
inspect-resumed = ↩️ Continuing the unfinished inspection of { $unit }: { $count } saved so far; carry on from here.
inspect-room = 🔍 <b>Inspection of { $unit }</b>: which room?
inspect-category = { $room }: what kind of problem?
inspect-severity = How urgent?
inspect-photos = 📷 Send photos (one, several or an album), then type a note. No photo? Just type the note. A voice message works too.
inspect-photo-received = 📷 { $count } photo(s) received. Send more, or type the note.
inspect-photos-hint = Please send photos or type the note (/cancel leaves the inspection).
inspect-voice-kept = 🎙 The voice message is kept as an attachment. Type a note too, or save.
inspect-no-note = (no note)
inspect-confirm = <b>Please check</b>
    Room: { $room }
    Kind: { $category }
    Urgency: { $severity }
    Photos: { $photos } { $voice }
    Note: { $note }
button-save = 💾 Save
button-edit = ✏️ Edit
button-discard = ✖️ Drop this one
inspect-confirm-hint = Please tap Save, Edit or Drop; a text replaces the note.
inspect-buttons-hint = Please tap one of the buttons above (/cancel leaves the inspection).
inspect-editing = Choose the kind and urgency again; the photos and note are kept.
inspect-discarded = Dropped.
inspect-saved = ✅ Item { $number } saved ({ $room }).
button-next-defect = ➕ Next item, same room
button-other-room = 🚪 Another room
button-inspection-finish = ✅ Finish the inspection
inspect-finished = ✅ Inspection of { $unit } finished: { $count } items, sent to { $buyers } buyer(s) and passed to engineering.
button-start-inspection = 🔍 Inspection
photo-too-large = That file is too large (over { $limit_mb } MB); please send a compressed photo.
photo-wrong-type = A photo (an image file) is needed here. Please send a photo, or type the note.
upload-not-kept = Sorry, this photo or file could not be saved just now, so it was not recorded. Please send it again in a minute.
upload-quota-reached = Sorry, you have reached today's limit for photos and files ({ $count } a day, { $limit_mb } MB in all), so this one was not saved. Please send more tomorrow; for anything urgent, just write a message.
inspection-list-title = 🏠 Dear { $buyer }, the inspection of { $home } recorded { $count } item(s):
inspection-list-empty = 🏠 Dear { $buyer }, the inspection of { $home } found no problems.
inspection-list-footer = We will arrange the repairs soon and tell you here at every step. /mydefects shows them any time.
engineer-new-defects = 🛠 { $home }: { $count } new item(s) to fix. /defects { $home } shows them.
defects-usage = Please write the home or the buyer's name, e.g. /defects 3-1502; add pdf for a PDF report: /defects 3-1502 pdf (a whole building: /defects 3 pdf).
defects-title = <b>Defects of { $unit } ({ $count })</b>
mydefects-none = 🏠 { $unit }: nothing recorded.

## The defect report as PDF (/defects UNIT pdf, the PDF button of /mydefects)
pdf-title = Defect report
pdf-summary = Items
pdf-field-project = Project
pdf-field-building = Building
pdf-field-unit = Home
pdf-field-buyers = Buyers
pdf-field-ambassador = Ambassador
pdf-field-generated = Generated
pdf-field-homes = Homes
pdf-field-items = Items
pdf-field-recorded = Recorded
pdf-field-engineer = Engineer
pdf-col-number = No.
pdf-col-room = Room
pdf-col-kind = Kind
pdf-col-urgency = Urgency
pdf-col-status = Status
pdf-col-deadline = Deadline
pdf-col-date = Date
pdf-col-by = By
pdf-col-note = Note
pdf-history = History
pdf-before = Before
pdf-after = After the fix
pdf-more-photos = { $count } more photo(s) in the bot.
pdf-nothing = Nothing recorded.
pdf-plan-caption = Floor plan: { $count ->
    [one] the numbered pin is the item of the same number below.
   *[other] each numbered pin is the item of the same number below ({ $count } pinned).
}
pdf-footer = Generated { $at }
pdf-page = Page { $page } of { $pages }
pdf-caption = 📄 Defect report of { $scope } ({ $count } items)

# The handover record as a PDF, and checking a printed one.
record-title = Handover record
record-number = Record No. { $number }
record-number-replaces = Record No. { $number } (replaces record No. { $old })
record-field-received-by = Received by
record-field-received-at = Received at
record-statement = { $buyer } received home { $home } with the keys, meter readings and documents listed below, and was told of the open defects below, which will be fixed by their deadlines.
record-keys = Keys
record-col-item = Item
record-col-count = Count
record-meters = Meter readings
record-col-meter = Meter
record-col-reading = Reading
record-meter-absent = This home has none
record-meter-photos = Attached: photos of the meters
record-documents = Documents handed over
record-open-defects = Defects still open at handover
record-warranty = Warranty (from the day of handover)
record-col-period = Period
record-col-until = Until
record-years = { $count ->
    [one] 1 year
   *[other] { $count } years
}
record-months = { $count ->
    [one] 1 month
   *[other] { $count } months
}
record-signatures = Signatures
record-sign-ambassador = Ambassador
record-sign-buyer = Buyer
record-signed-at = Signed { $at }
record-recorded-at = Recorded { $at } (no drawn signature)
record-received-in-chat = Confirmed in Telegram { $at } (no drawn signature)
record-footer = Handover record { $number } · SHA-256 { $hash }
record-caption = 📄 Handover record of { $home } (record No. { $number }). Please keep it.
button-record-pdf = 📄 Handover record
record-not-yours = This handover record is not yours, or the home has not been handed over yet.
verify-usage = To check a printed handover record, send /verify with the record number and the SHA-256 from its footer (at least the first 8 characters), e.g. <code>/verify 12 3fa2c9e1</code>
verify-matches = ✅ Handover record { $number } matches the database: { $home }, received by { $buyer } at { $at }, ambassador { $ambassador }.
verify-replaced = ⚠️ Note: record { $new } has replaced this record.
verify-differs = ❌ Handover record { $number } does not match the database: the SHA-256 printed is not this record's. The record in the database is the valid one.
verify-unknown = I found no handover record { $number } that you may see.
cmd-verify = Check a printed handover record: /verify number SHA-256
button-defects-pdf = 📄 PDF
defect-not-yours = You cannot open this record.
defect-card = 🏠 <b>{ $unit }</b> #{ $id } · { $room } · { $category } · { $severity }
    Status: { $status }
    Note: { $note }
    Fix by: { $due }
defect-history-line = • { $at } { $status } · { $who }

## Defects: the buyer's own reports and their review

cmd-report = Report a problem in my home (photos and a note)
report-which-home = Which home is it?
report-room = Which room is the problem in?
report-describe = { $room }: please describe the problem in words.
report-text-expected = Please describe the problem in words first (/cancel stops).
report-photos = You can send photos (several, or an album), then tap Submit; without photos, just submit.
report-photo-received = 📷 { $count } photo(s) received. Send more, or tap Submit.
button-report-submit = 📨 Submit
report-sent = ✅ Submitted. Your delivery ambassador will look at it and reply soon.
report-to-review = 📝 <b>{ $home } { $buyer }</b> reported a problem ({ $room }):
    { $text }
    Photos: { $photos }. Please review:
button-review-accept = ✅ Accept
button-review-merge = 🔗 Same as a recorded item
button-review-reject = ✖️ Reject
review-kind = What kind of problem?
review-merge-into = Which recorded item is it the same as?
# A recorded item to merge into: its number in the list, then its id.
button-merge-candidate = #{ $number } ({ $id })
review-nothing-to-merge = This home has no recorded item to merge it into.
review-reason = Please type the reason for rejecting it (the buyer will see it).
review-done = ✅ Done; the buyer has been told.
review-not-yours = This report is not yours to review, or it was reviewed already.
review-already = { $name } has already reviewed this report.
report-accepted = ✅ The problem you reported in { $home } ({ $room }) is accepted: { $category }, { $severity }. We will arrange the repair soon.
report-merged = ✅ The problem you reported in { $home } ({ $room }) is the same as the recorded "{ $target }" and will be fixed with it.
report-rejected = After checking, the problem you reported in { $home } ({ $room }) is not taken up. Reason: { $reason }
    If you have questions, just write to me here.
button-inspect-home = 🔍 Inspect { $home }

## Remediation: routing, steps, the buyer's check, deadlines
defect-status-on-hold = On hold
defect-history-title = <b>History</b>
actor-system = system
defect-after-photos = 📷 Photos after the latest fix:
defect-update = 🔧 { $home } · { $room } · { $category } (#{ $id })
    Status now: <b>{ $status }</b>
defect-detail-engineer = In charge: { $name }
defect-detail-due = Fix by: { $due }
defect-detail-note = Note: { $note }
fixed-please-check = ✅ { $home }: { $count } item(s) have been fixed. Please check them (before and after photos follow):
fixed-please-check-footer = Please press "fixed" or "still a problem" for each item. If we hear nothing within { $days } days, your delivery ambassador will check on your behalf.
button-fix-ok = ✅ Item { $n } is fixed
button-fix-bad = ❌ Item { $n } still a problem
fix-answered-ok = ✅ Item { $n }: { $name } confirmed it is fixed
fix-answered-bad = ❌ Item { $n }: { $name } says it is still a problem
fix-photos-caption = { $n }. { $room }: { $before } photo(s) before, { $after } after the fix
fix-verified-for-buyer = ✅ { $home } · { $room } · { $category }: we did not hear from you within { $days } days, so your delivery ambassador { $ambassador } checked the fix on your behalf. If something is still wrong, please tell us with /report.
fix-verified-by-ambassador = ✅ { $home } · { $room } · { $category }: the buyer did not answer within { $days } days, so the fix is verified on their behalf by you. If the buyer says it is still wrong, press "still a problem" on the item's card.
engineer-assigned = 🛠 New task #{ $id }: { $home } · { $room } · { $category } · { $severity }, fix by { $due }. /tasks lists all your tasks.
engineer-reopened = ↩️ #{ $id } { $home } · { $room } was sent back: { $reason }
supervisor-reopened-often = ⚠️ #{ $id } { $home } · { $room } · { $category } has been sent back { $count } times. Latest reason: { $reason }
engineer-due-today = ⏰ Due today ({ $count }):
supervisor-overdue = ⚠️ { $count } item(s) are past their fix deadline:
ageing-bands = Unresolved items by age (days): { $bands }
defects-need-engineer = 🛠 { $home }: { $count } new item(s), but the building has no lead engineer. Open them with /defects { $home } and press "Assign" on each card.
tasks-none = 👍 No repair tasks waiting for you.
tasks-title = <b>🛠 My repair tasks ({ $count }, soonest due first)</b>
tasks-overdue = { $due } ⚠️overdue
tasks-more = …and { $count } more.
button-fix-several = ✅ Mark several fixed: { $home } ({ $count })
button-step-assign = 👷 Assign
button-step-start = 🔨 Start work
button-step-hold = ⏸ Put on hold
button-step-resume = ▶️ Resume
button-step-fix = ✅ Fixed
button-step-verify = 👍 Fixed, confirmed
button-step-reopen = ❌ Still a problem
button-step-close = 🔒 Close
button-step-reject = 🚫 Not a defect
button-step-confirm = ✔ Confirm
step-done = 👌 #{ $id } is now: { $status }.
step-not-yours = Sorry, this step is not yours to take.
step-not-now = This item has moved on, so that step no longer applies. Please open its card again.
assign-no-engineers = There are no engineers yet. Please import the staff list first (role: engineer).
assign-choose = Who should fix #{ $id }?
assign-done-ask-contractor = 👷 #{ $id } assigned. If a contractor does the work, send its name; otherwise press "Skip".
button-skip = Skip
contractor-saved = Contractor for #{ $id } recorded: { $name }.
fix-thanks = 🙏 Thank you for confirming!
fix-reopened-thanks = 🙏 Thank you. We will fix it again soon and keep you posted here.
step-ask-reason = "{ $step }" #{ $id }: please type the reason (the buyer will see it). /cancel to stop.
step-ask-note = "{ $step }" #{ $id }: send a note if you like, or press "Confirm". /cancel to stop.
button-fix-next = ➡️ Next item
button-fix-done = ✅ Done, tell the buyer
fix-ask-photos = 📷 Please send photos of #{ $id } after the fix (item { $position } of { $total }); a text note is welcome too.
fix-choose = Choose the items that are fixed, then press the button below:
# One item to mark fixed, ticked or not: "☑ #12 Kitchen · Leakage".
button-fix-chosen = ☑ #{ $id } { $what }
button-fix-not-chosen = ☐ #{ $id } { $what }
button-fix-go = ➡️ Next ({ $count })
fix-choose-some = Please choose at least one.
fix-photo-needed = Please send at least one photo after the fix first.
fix-done = ✅ { $count } item(s) marked fixed; the buyer has been asked to check.
fix-refused = #{ $id } cannot be marked fixed, so nothing was changed.
fix-note-kept = 📝 Note kept.
fix-photos-hint = Photos after the fix are needed here (or a text note).
fix-photo-received = 📷 { $count } photo(s) received. Send more, or press the button below.
cmd-tasks = My repair tasks
fix-ask-problem = Please tell us briefly what is still wrong (for example: still leaking); we will pass it on to the engineer:
inspection-list-routed = 🛠 These have been passed to engineer { $engineer } for repair.
fix-verified-note = the buyer did not answer within { $days } days; verified on their behalf

## Handover (seed step 7) and after (step 9)

cmd-handover = Hand over a home: keys, meters, documents (/handover 3-1-502)
cmd-complain = Make a complaint
cmd-complaints = Complaints waiting for acknowledgement
cmd-stop = Stop follow-up messages (repair updates still come)
cmd-resume = Receive follow-up messages again
role-complaints = complaint reception
key-entrance-door = Entrance door keys
key-mailbox = Mailbox keys
key-access-card = Access cards
meter-water = Water meter
meter-electricity = Electricity meter
meter-gas = Gas meter
document-quality-guarantee = Quality guarantee (质量保证书)
document-usage-manual = Usage manual (使用说明书)
handover-usage = Which home? Send /handover followed by the unit or the buyer's name, for example <code>/handover 3-1-502</code>.
handover-already = 🏡 { $home } was handed over already: the buyer confirmed on { $at }.
handover-start = 🔑 Handover of <b>{ $home }</b> ({ $names }). I will ask for the keys, each meter with a photo, and the documents; then the buyer confirms in their own chat. Open defects: { $defects }. Send /cancel to stop.
handover-replaces = An earlier record for this home is still waiting for the buyer; sending this one replaces it.
handover-ask-keys = How many <b>{ $kind }</b>? Tap a number or type it.
handover-keys-invalid = Please send a whole number from 0 to { $max }.
handover-ask-meter = 📷 <b>{ $meter }</b>: send a photo of the meter with the reading as its caption (or the photo, then the reading).
handover-ask-meter-photo = Reading { $reading } noted. Now a photo of the <b>{ $meter }</b>, please.
handover-ask-meter-reading = Photo received. Now type the reading of the <b>{ $meter }</b> (digits, e.g. 123.4).
handover-reading-invalid = That is not a meter reading. Please type digits, for example 123.4.
handover-meter-expected = Please send a photo of the meter, or type its reading.
button-handover-no-meter = This home has no such meter
handover-ask-documents = 📄 Which documents did the buyer receive? Tap each to tick it, then Done.
button-handover-documents-done = ✔ Done
handover-review = 📋 Handover record of <b>{ $home }</b> — please check:
button-handover-submit = 📨 Send to the buyer to confirm
handover-line-keys = 🔑 Keys: { $keys }
handover-line-meter = 📟 { $meter }: { $reading }
handover-line-meter-absent = 📟 { $meter }: none in this home
handover-line-documents = 📄 Documents: { $documents }
handover-none = none
handover-line-no-defects = ✅ No open defects.
handover-line-defects = 🛠 { $count } defects stay open and tracked until fixed:
handover-sent = 📨 The record of { $home } went to { $count } buyer(s). The home counts as handed over once a buyer confirms; you will get the signed record.
handover-sent-nobody = The record of { $home } is saved, but no buyer of this home uses the bot yet. Ask them to open the bot and send /myhome: they can confirm there.
handover-not-possible = The record of { $home } could not be sent: the home is not yours to hand over, or it was handed over meanwhile.
handover-meter-photos = 📷 Meter photos at handover ({ $count })
handover-confirm-ask = 🏡 <b>{ $home }</b>: your ambassador { $ambassador } recorded the handover of your home. Please check:
handover-confirm-how = If everything is right, tap “I have received my home”.
handover-confirm-how-open = The { $count } open items stay on record and will be fixed after you move in; we keep you updated on each. If everything else is right, tap “I have received my home”.
handover-confirm-how-sign = If everything is right, tap “✍️ Sign to receive my home” and sign.
handover-confirm-how-open-sign = The { $count } open items stay on record and will be fixed after you move in; we keep you updated on each. If everything else is right, tap “✍️ Sign to receive my home” and sign.
button-handover-received = ✅ I have received my home
button-handover-issue = ❌ Something is not right
handover-confirmed-short = Thank you! Your home is handed over.
button-handover-sign-send = ✍️ Sign the record
button-handover-sign-receive = ✍️ Sign to receive my home
handover-saved-sign = 📝 The record of { $home } is saved. Please sign it: it goes to the buyer once you have.
handover-sent-sign = 📨 The record of { $home } went to { $count } buyer(s). Please sign it too.
handover-signed-sent = { $count ->
    [0] ✍️ You signed the record of { $home }. No buyer of this home uses the bot yet: ask them to open the bot and send /myhome to sign it there.
   *[other] ✍️ You signed the record of { $home }; it went to { $count } buyer(s) to sign. The home counts as handed over once a buyer signs.
}
handover-sign-needed = Please receive your home by signing the record: press "✍️ Sign to receive my home".
sign-page-title = Handover record · { $home }
sign-page-home = Home: { $home }
sign-page-people = Buyers: { $buyers } · Ambassador: { $ambassador }
sign-page-draw-here = Sign here with your finger
sign-page-clear = Clear
sign-page-undo = Undo
sign-page-read = I have read the record above
sign-page-sign-send = Sign and send
sign-page-sign-receive = Sign: I have received my home
sign-page-sending = Sending…
sign-page-failed = The signature could not be sent. Please try again.
sign-page-too-little = That is too short for a signature. Please sign your name.
sign-page-signed = You have signed this record.
sign-page-awaiting-ambassador = Your ambassador has not signed this record yet. You will get a message when it is ready to sign.
sign-page-received = This home has already been received.
sign-page-replaced = This record was replaced by a newer one. Please open the latest record in the chat.
sign-page-offline = Cannot reach the server. Check the connection, then close this page and open it again from the chat.
sign-page-unauthorized = This page could not confirm who you are. Please close it and open it again from the chat.
sign-page-thanks-buyer = Thank you! You have signed, and your home is handed over. The record is in the chat.
sign-page-thanks-ambassador = { $count ->
    [0] Signed. No buyer of this home uses the bot yet.
   *[other] Signed. The record went to { $count } buyer(s) to sign.
}
handover-already-confirmed = This home's handover was confirmed already.
handover-replaced = Your ambassador has updated this handover record, so the old one no longer counts. Please check the latest record below:
handover-replaced-none = Your ambassador has updated this handover record, so the old one no longer counts. The new record needs nothing more from you; if anything is unclear, just write here.
handover-issue-ask = What is not right? Please describe it; your ambassador will get back to you. The record stays open until you confirm.
handover-issue-sent = Sent to your ambassador. They will contact you soon.
handover-issue-to-ambassador = ⚠️ { $buyer } ({ $home }) has not confirmed the handover: “{ $text }”
handover-record = 📋 <b>Handover record — { $home }</b>
    Confirmed by { $buyer } on { $time }; ambassador: { $ambassador }.
handover-welcome = 🎉 { $name }, welcome home! { $home } is yours now. Thank you for your trust and patience. { $ambassador } remains your ambassador: just write here whenever you need anything, /report a problem any time, and we will keep in touch.
card-headline = Welcome home
card-ambassador = Your ambassador: { $name }
card-footer = Wishing you every happiness in your new home
followup-thanks = 🌷 { $name }, thank you for moving into { $home }! If anything comes up: write here to reach { $ambassador }, /report a problem with photos, or /complain.
followup-check = 🏡 { $name }, you have had { $home } for a week. Is everything all right?
button-followup-good = 👍 All good
button-followup-report = 🔧 Something is wrong — report it
followup-good-thanks = Great to hear! Thank you.
followup-answered = Thank you, we already have your answer.
followup-survey = ⭐ { $name }, how satisfied are you with the handover of { $home }? 1 = very unhappy, 5 = very happy.
survey-thanks = Thank you for your { $score } ⭐! Would you like to add a comment? Type it, or tap Skip.
button-survey-skip = Skip
survey-done = Thank you for your feedback!
followup-checkin = ☀️ { $name }, it has been { $days } days in { $home }. How is everything? Write here to reach { $ambassador }, or /report a problem.
followup-year-end = 📅 { $name }, the first year in { $home } ends on { $date }. If you noticed anything that needs repair, please /report it before then.
followup-digest = 🛠 Weekly update for { $home }: { $count } items are still being fixed.
followup-stop-hint = <i>Send /stop to receive no more of these messages (repair updates still come).</i>
stop-done = You will receive no more follow-up messages. Repair updates and answers to your messages still come. Send /resume to get follow-ups again.
resume-done = Follow-up messages are on again.
survey-low-alert = 🚨 Low satisfaction: { $buyer } ({ $home }) gave { $score } of 5. Please get in touch today. Satisfaction now { $satisfaction } from { $answers } answers.
survey-comment-to-ambassador = 💬 { $buyer } ({ $home }) added to their survey: “{ $text }”
warranty-covered = 🛡 Reported on { $reported }, under warranty until { $until }: the repair is free of charge.
warranty-expired = ⚠️ Reported on { $reported }; the warranty for this kind of problem ended on { $until }. Your ambassador will talk with you about the repair.
topic-quality = Construction quality
topic-leakage = Leakage
topic-delivery-standard = Not as contracted or promised
topic-facilities = Facilities and surroundings
topic-property-service = Property service
topic-paperwork = Certificates and paperwork
topic-other = Other
level-general = General
level-important = Important
level-major = Major
complain-which-home = Which home is your complaint about?
complain-topic = 📣 What is your complaint about?
complain-level = { $topic } — how serious is it?
complain-describe = Please describe your complaint in one message.
complain-filed = 📣 Your complaint #{ $id } ({ $topic }, { $level }) is recorded. Our complaint reception will acknowledge it by { $due } and contact you.
complaint-to-reception = 📣 Complaint #{ $id } — { $level }
    { $home } · { $buyer } · { $topic }
    “{ $text }”
    Please acknowledge by { $due }.
button-complaint-ack = ✅ Acknowledge
complaint-acknowledged = ✅ Your complaint #{ $id } ({ $topic }) was received by { $name }, who will contact you.
complaint-escalated = ⏰ Complaint #{ $id } was not acknowledged by { $due }:
    { $home } · { $buyer } · { $topic } · { $level }
    “{ $text }”
group-complaint-flag = 🚩 <b>Group complaint risk</b> (群诉) in building { $building }: { $count } households complained about “{ $topic }” within { $days } days: { $homes }.
# One waiting complaint: its line, then what the buyer wrote, indented.
complaint-line = { $line }
    {"   "}{ $text }
# When to acknowledge it by, once that time has passed.
complaint-ack-late = { $due } ⏰
button-ack-complaint = ✅ #{ $id }
complaint-ack-done = Complaint #{ $id } acknowledged; the buyer was told.
complaint-ack-already = Complaint #{ $id } was acknowledged already.
complaints-none = No complaints are waiting for acknowledgement.
complaints-title = 📣 Complaints waiting for acknowledgement: { $count }

## Supervisors' numbers (seed step 2)

cmd-summary = The campaign's numbers against targets (/summary [project|building])
cmd-targets = Show or set the project's targets
cmd-overdue = Defects past their deadline, by engineer and building
kpi-visit-rate = Visit rate
kpi-handover-rate = Handover rate
kpi-defects-per-household = Defects per household
kpi-leakage-rate = Leakage rate
kpi-satisfaction = Satisfaction
summary-all-projects = all projects
summary-kpi = { $name }: { $value }{ $versus }
summary-target = { " " }(target { $target } { $mark })
summary-target-pending = { " " }(target { $target })
summary = 📊 <b>Campaign summary — { $scope }</b> ({ $at })
    Homes { $units } · buyers { $buyers } · unreachable { $unreachable }
    Invited { $invited } · confirmed { $confirmed } · visited { $visited }
    { $visit }
    Handed over { $handed } of { $units }
    { $handover }
    Inspected { $inspected } · defects { $defects }
    { $per_household }
    { $leakage }
    Open defects { $open } · overdue { $overdue }
    { $ageing }
    { $satisfaction } · { $surveys } answers
    Complaints { $complaints } (waiting for acknowledgement { $waiting }) · group-complaint flags { $flags }
summary-unknown-scope = “{ $query }” is neither a project nor a building. Projects: { $projects }. Send /summary, /summary PROJECT or /summary BUILDING.
project-list = <b>Projects</b> (code — display name)
project-line = • <code>{ $code }</code> — { $name }
project-usage = Please write: /project name NEW NAME (or /project CODE name NEW NAME)
project-renamed = ✅ Project { $code } is now shown as “{ $name }”.
project-unknown = There is no project with the code “{ $code }”. Send /project to see them.
targets-title = 🎯 Targets of { $project }:
targets-saved = ✅ Saved. Targets of { $project }:
targets-none = not set
targets-usage = Set one with <code>/targets KPI VALUE</code>, e.g. <code>/targets visit_rate 95%</code> or <code>/targets satisfaction 4.5</code>; <code>-</code> clears it. With several projects put the project first.
targets-invalid = “{ $value }” is not a valid target for { $kpi }: rates are 0–100%, satisfaction 1–5, defects per household a number.
overdue-none = ✅ No defect is past its deadline.
overdue-title = ⏰ <b>{ $count } defects past their deadline</b>
overdue-unassigned = not assigned
# The heading of one engineer's items, with how many.
overdue-engineer = 👷 <b>{ $name }</b> — { $count }
overdue-building = 🏢 Building { $building }
overdue-late = due { $due }, { $days } d late
overdue-more = …and { $count } more.
digest-title = 🌅 <b>Daily digest, { $date }</b>
cmd-chart = Chart: handover progress against plan, defects by category
chart-title = { $scope } · handover progress
chart-subtitle = As of { $at }
chart-progress = Handed over so far, against plan
chart-today = today
chart-plan = Plan (handover slots)
chart-actual = Handed over
chart-defects = Defects by category
chart-empty = No data yet
chart-caption = 📈 Handed over { $actual } of { $planned } planned · { $defects } defects — { $scope }
cmd-export = Export buyers, appointments, defects, handovers and surveys (.xlsx; /export csv for CSV)
export-usage = Send /export for an .xlsx workbook, or /export csv for one CSV file per table.
export-caption = 📦 { $tables } tables, { $rows } rows. The buyers sheet can be imported again as it is.
target-at-most = ≤ { $value }
target-at-least = ≥ { $value }
target-met = ✅
target-missed = ❌
targets-line = • { $kpi } (<code>{ $code }</code>): { $value }
list-separator = {", "}
name-separator = {", "}

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
import-kind-risks = risk register
flag-discontent = unhappy on early call
risk-category-contract-standard = contract standard vs site
risk-category-drawings = contract drawings vs site
risk-category-sales-promise = sales promise / brochure vs delivery
risk-category-design-change = planning or design change
risk-category-contact = address or contact problem
risk-category-other = other
risk-severity-low = low
risk-severity-medium = medium
risk-severity-high = high
risk-status-open = open
risk-status-response-ready = response ready
risk-status-resolved = resolved
risk-status-accepted = accepted
row-bad-category = “{ $value }” is not a known risk category (contract standard, drawings, sales promise/brochure, planning/design change, address/contact, other)
row-bad-severity = “{ $value }” is not a known severity (high, medium, low)
row-bad-scope = the scope must be project, building, unit type or unit
row-scope-building-missing = this scope needs a building
row-scope-unit-type-missing = a unit-type scope needs the unit type
row-scope-unit-missing = a unit scope needs the unit (room)
row-unknown-staff = there is no staff member called “{ $value }” (import the staff list first, or write the phone number)
attitude-calm = calm
attitude-concerned = concerned
attitude-dissatisfied = dissatisfied
attitude-hostile = hostile
key-date-risk-review-done = risk review done
key-date-rehearsal = rehearsal
key-date-open-day = open day
key-date-first-inspection = first inspection
key-date-handover-start = formal handover starts
key-date-handover-end = formal handover ends
cmd-risks = Risk register: /risks, /risks add, /risks open, /risks building, /risks #number
cmd-dates = Key dates: /dates, /dates first_inspection 2026-12-10
risk-line = ⚠️ <b>#{ $id }</b> [{ $severity }] { $category } · { $scope }: { $difference }
risk-details = 　Status: { $status } · Response: { $response } · Owner: { $owner }
risk-no-response = (no response written yet)
risk-scope-project = whole project
risk-scope-building = building { $building }
risk-scope-unit-type = unit type { $unit_type }
risk-scope-unit = { $building }-{ $unit }
risk-owner-told = 📋 This risk is yours: please write the planned response (what we say, what we do) before buyers find it:
    { $line }
risk-chase = ⏰ The first inspection ({ $first }) is close and this risk still has no response. Please write it soon:
    { $line }
button-risk-respond = ✍️ Write the response
risk-response-enter = Please send the planned response to this risk (what we say, what we do):
    { $line }
risk-response-saved = ✅ The response to risk #{ $id } is saved.
risks-import-help = Send an .xlsx or .csv file to import a risk register. Headers: 风险类别 (category), 范围 (scope), 楼栋 (building), 户型 (unit type), 房号 (unit), 差异描述 (what differs), 应对措施 (response), 责任人 (owner), 严重程度 (severity); category and what differs are required. The same project, scope and description imported again is updated, not duplicated.
risk-not-found = There is no such risk. Send /risks to see the register.
risks-none = No risk in the register fits. Add one with /risks add, or send a risk register file.
risks-title = 📋 <b>Risk register ({ $filter })</b>: { $count }
risks-filter-live = not closed
risks-hint = One risk: /risks #number · open only: /risks open · a building: /risks building · everything: /risks all
button-risk-open = #{ $id }
risk-households = Reaches { $count } households
risk-history = <b>History</b>
risk-event = • { $at } { $status } { $note }
button-risk-status = → { $status }
risk-status-set = ✅ Risk #{ $id } is now “{ $status }”.
risk-status-not-allowed = That step is not allowed from here: write the response first, or choose “accepted”.
risk-owner-unknown = There is no staff member called “{ $name }” (or there are several). Please write the full name or the phone number, or press “Later”.
risk-saved = ✅ Risk #{ $id } is in the register. Send /risks to see it.
button-later = Later
button-nothing = Nothing
button-done = ✅ Done
risk-ask-category = New risk (1/6): choose the category.
risk-ask-scope = New risk (2/6): what does it cover? Send “project”, a building (e.g. 3), “unit type A2”, or one home (e.g. 3-1502).
risk-ask-difference = New risk (3/6): what differs? What do the contract, drawings, brochure or sales talk say, and what will buyers find?
risk-ask-response = New risk (4/6): the planned response? (What we say, what we do; it can also come later.)
risk-ask-owner = New risk (5/6): who owns it? Send the staff member's name or phone number.
risk-ask-severity = New risk (6/6): how severe?
risk-scope-invalid = I could not read that scope. Send “project”, a building (e.g. 3), “unit type A2”, or one home (e.g. 3-1502).
text-invalid = Please write some text, at most { $max } characters.
dates-title = 📅 <b>Key dates</b>
dates-saved = ✅ Saved. <b>Key dates</b>
dates-line = • { $date } (<code>{ $code }</code>): { $day }
dates-usage = Set one with <code>/dates first_inspection 2026-12-10</code> (Chinese names work too, e.g. <code>/dates 首次验房 2026-12-10</code>); write <code>-</code> to clear it.
countdown = ⏳ { $days } days to { $date } ({ $day })
countdown-late-risks = • { $count } risks have no response yet
countdown-late-calls = • { $count } key households not reached yet
countdown-late-invitations = • { $count } households not invited yet
summary-before-campaign = Risks: open { $open } · response ready { $ready } · closed { $closed } · households touched by an open risk { $households }
    Early calls to key households: { $key } · reached { $reached } · due { $due } · overdue { $overdue }
risk-warning = ⚠️ #{ $id } { $difference } → { $response }
card-call = 📞 Early call (by { $due }): { $state }
call-none = not called yet
call-last-reached = reached { $at }, { $attitude }; next: { $next }
call-last-unreached = not reached { $at }
button-call-log = 📞 Log early call
button-call-home = 📞 { $home }
button-call-reached = ✅ Reached
button-call-not-reached = ❌ Not reached
call-ask-reached = Early call: did you reach the buyer?
call-ask-attitude = The buyer's attitude?
call-ask-risks = Which of these did the buyer raise? (Choose any, then press “Done”.)
call-ask-concerns = The buyer's concerns (in their words)? Press “Nothing” if none.
call-ask-next-step = The next step? Press “Nothing” if none.
call-saved = ✅ Early call logged.
call-saved-escalated = ✅ Early call logged. The buyer is unhappy: the household is flagged and the supervisors are told.
precontact-escalated = 🚨 <b>Early call: { $unit } ({ $names }) is { $attitude }</b>
    Ambassador: { $ambassador }
    Concerns: { $concerns }
    Risks raised: { $risks }
    Next step: { $next }
precontact-overdue = ⏰ The early call to key household { $unit } ({ $names }) is overdue (due by { $due }) and they are not reached yet. Ambassador: { $ambassador }
today-calls-title = 📞 <b>Early calls owed to key households ({ $count })</b>
today-call = • { $home } { $names } — by { $due }
flow-use-buttons = Please use the buttons above to go on (send /cancel to stop).
card-call-undated = 📞 Early call: { $state }

## The rehearsal (演练)
cmd-rehearsal = Rehearsal: /rehearsal start [households], /rehearsal report, /rehearsal end
rehearsal-usage = Usage: /rehearsal start [number of households, 1–20] · /rehearsal report · /rehearsal end · /rehearsal leave (a volunteer stops playing a buyer)
rehearsal-started = 🎭 <b>Rehearsal started</b>: { $count } practice households in building 演练, assigned to the ambassadors, with { $slots } visiting slots on { $day }. Nothing of it reaches a real buyer, the figures, the export or the developer's systems.
    Send each staff volunteer one link. Whoever opens it plays that buyer — invitation, booking, check-in, walk-through, handover — until /rehearsal end:
    { $homes }
rehearsal-home-link = • { $home } { $buyer } (ambassador { $ambassador }): { $link }
rehearsal-running = A rehearsal is running already ({ $project }). See /rehearsal report, or end it with /rehearsal end.
rehearsal-no-ambassadors = There is no ambassador on the staff list who is not away, so nobody could run the practice households. Add ambassadors first.
rehearsal-none = No rehearsal is running. Start one with /rehearsal start.
rehearsal-joined = 🎭 You are now playing the buyer of { $home } in the rehearsal. Until it ends, the bot treats you as that buyer: your invitation follows. Send /rehearsal leave to stop playing.
rehearsal-link-taken = Another staff member is already playing this household. Ask the supervisor for another link.
rehearsal-link-staff-only = This link is for the staff rehearsal only. Nothing was changed.
rehearsal-link-unknown = This rehearsal link is not valid (the rehearsal may have ended). Nothing was changed.
rehearsal-left = You stopped playing in the rehearsal and are back to your staff account.
rehearsal-not-playing = You are not playing a buyer in a rehearsal.
rehearsal-nobody = nobody yet
rehearsal-report = 🎭 <b>Rehearsal report ({ $project })</b>
    Households: { $count } · volunteers joined { $joined } · booked { $booked } · checked in { $checked_in } · walked through { $walked_through } · handed over { $handed_over }
    Median minutes: invitation → booking { $to_booking } · booking → check-in { $to_check_in } · check-in → walk-through done { $to_walked } · walk-through → keys confirmed { $to_handed_over }
    Defects recorded: { $defects }
    Where people got stuck: dialogues abandoned half-way { $stalled } · errors { $errors } · messages Telegram refused { $failed }
    { $homes }
rehearsal-report-home = • { $home } — played by { $player }, ambassador { $ambassador }: { $stage }, { $defects } defects
rehearsal-stage-waiting = link not opened yet
rehearsal-stage-joined = invited, not booked
rehearsal-stage-booked = booked
rehearsal-stage-checked-in = checked in
rehearsal-stage-walked-through = walked through
rehearsal-stage-handover-sent = handover waiting for the buyer
rehearsal-stage-handed-over = handed over
rehearsal-ended = The rehearsal is over: its { $count } households and everything done with them are removed, and the volunteers are back to their staff accounts.
rehearsal-link-own = You are this household's ambassador in the rehearsal: you will receive its buyer, so give this link to a colleague to play them. Nothing was changed.
rehearsal-nobody-link = nobody yet (link: { $link })

## Importing answers
import-kind-answers = answers file
row-bad-yes-no = “{ $value }” is neither yes nor no: write 是/yes or 否/no, or leave it empty to keep the current setting
row-bad-answer-scope = “{ $value }” names no part of the project: write “project”, a building such as 3, “unit type A2”, or one home such as 3-1502, or leave it empty for the whole project
row-too-many-keywords = more than { $max } keywords; please keep the words buyers really use
row-keyword-too-long = the keyword “{ $value }” is longer than { $max } characters; please shorten it or split it into several keywords

## The answer library (统一说辞)
cmd-answers = Answer library: /answers, /answers add, /answers #number
cmd-answer = Find an approved answer: /answer parking
cmd-ask = Ask a question: /ask when will I get the keys
button-send-answer = 📤 Send this answer
relay-suggested-answer = 💡 <b>Approved answer</b> ({ $question }):
    { $text }
answers-import-help = Send an .xlsx or .csv file to import answers. Headers: 问题 (question), 关键词 (keywords, separated by commas or 、), 标准答复 (the answer in Chinese), 英文答复 (in English), 适用范围 (scope: project, a building, “unit type A2”, one home), 买家可见 (buyers may get it from /ask: yes or no). Question and answer are required. A question imported again makes a new version of its answer when anything changed.
answers-none = The answer library is empty. Add an answer with /answers add, or send an answers file (/answers import).
answers-title = 📚 <b>Answer library</b>: { $count }
answer-line = <b>#{ $id }</b> { $question } · v{ $version } · used { $uses } { $buyers }
button-answer-open = #{ $id } { $question }
answers-hint = One answer: /answers #number · add: /answers add · import: /answers import · 👁 = buyers may get it from /ask
answer-not-found = That answer is not in the library (it may have been retired).
answer-card = 📚 <b>Answer #{ $id }</b> (version { $version }, approved by { $approved_by }, { $approved_at }; used { $uses } times)
    <b>Question:</b> { $question }
    <b>Keywords:</b> { $keywords }
    <b>中文:</b> { $text_zh }
    <b>English:</b> { $text_en }
    <b>For:</b> { $scope }
    <b>Answers risks:</b> { $risks }
    <b>Buyers:</b> { $buyers }
answer-buyers-yes = may get it directly from /ask
answer-buyers-no = only through their ambassador
answer-retired = 🗄 Retired: it is kept with its history but no longer offered.
button-answer-edit-question = ✏️ Question
button-answer-edit-keywords = ✏️ Keywords
button-answer-edit-zh = ✏️ 中文
button-answer-edit-en = ✏️ English
button-answer-edit-scope = ✏️ Scope
button-answer-edit-risks = ✏️ Risks
button-answer-show = 👁 Let buyers get it from /ask
button-answer-hide = 🙈 Only through ambassadors
button-answer-history = 📜 Versions
button-answer-retire = 🗄 Retire
button-answer-retire-sure = 🗄 Yes, retire it
answer-retire-ask = Retire answer #{ $id }? It will no longer be offered; its versions and uses are kept.
answer-retired-now = 🗄 Answer #{ $id } is retired.
answer-history-title = 📜 <b>Answer #{ $id }</b>: { $count } versions, newest first
answer-history-version = <b>v{ $version }</b> — { $approved_by }, { $approved_at }
    { $question }
    { $text }
answer-shown = 👁 Buyers may now get answer #{ $id } directly from /ask.
answer-hidden = 🙈 Answer #{ $id } now reaches buyers only through their ambassador.
answer-ask-question = New answer (1/6): the buyers' question, as they would ask it (e.g. “Why are there fewer parking spaces than the brochure said?”).
answer-ask-keywords = New answer (2/6): keywords and synonyms buyers use, separated by commas (e.g. 车位, 停车位, 车库) — or Skip.
answer-ask-zh = New answer (3/6): the approved answer in Chinese.
answer-ask-en = New answer (4/6): the approved answer in English — or Skip (English readers then get the Chinese).
answer-ask-scope = New answer (5/6): which homes is it the answer for? Send “project”, a building (e.g. 3), “unit type A2”, or one home (e.g. 3-1502).
answer-ask-buyers = New answer (6/6): may buyers get it directly when they /ask? (Otherwise it reaches them through their ambassador.)
answer-ask-risks = Which items of the risk register does it answer? Send their numbers (e.g. 3, 5), or “-” for none.
answer-current-value = Now: { $value }
answer-risks-invalid = Please send risk numbers such as 3, 5 — or “-” for none.
button-answer-whole-project = The whole project
button-answer-buyers-yes = 👁 Yes
button-answer-buyers-no = Only through ambassadors
answer-saved = ✅ Answer #{ $id } is in the library. Staff find it with /answer or by typing @bot and a word in any chat.
answer-edited = ✅ Answer #{ $id } is now version { $version }; the earlier versions are kept (📜 Versions).
answer-usage = Send a word or a question after /answer, e.g. /answer parking.
answer-nothing = No approved answer matches “{ $query }”. Ask a supervisor to add one (/answers add).
answer-found-title = 📚 Approved answers for “{ $query }”:
answer-found = <b>#{ $id } { $question }</b>
    { $text }
answer-inline-hint = In any chat, type @{ $bot } and a word to send an approved answer directly.
answer-inline-other-language = { $question } ({ $language })
ask-enter = Please type your question; I will look for the answer or pass it to your delivery ambassador.
ask-answered = 📚 { $text }

    If this does not answer your question, just write it here and your delivery ambassador will reply.

## Expert consultation (专家会诊) and the decision group (应急决策小组)
cmd-consult = Ask the experts: /consult legal question
cmd-incidents = The decision group's incidents, open and closed
cmd-setgroup = Register a group: send /setgroup decision in the group
expert-field-sales = Sales
expert-field-engineering = Engineering
expert-field-design = Design
expert-field-legal = Legal
button-consult = 🧑‍🏫 Ask an expert
button-consult-answer = ✍️ Answer
button-consult-send = 📤 Send to the buyer
button-consult-library = 📚 Add to the answer library
consult-context = 🏠 { $home } · tier { $tier } · flags: { $flags } · open risks: { $risks }
consult-to-expert = 🧑‍🏫 <b>Consultation #{ $id }</b> ({ $field }) from { $asker }:
    { $question }
consult-no-expert = 🧑‍🏫 <b>Consultation #{ $id }</b> ({ $field }) from { $asker } — nobody on the staff list answers for this field, so it comes to you:
    { $question }
consult-escalated = ⏰ <b>Consultation #{ $id }</b> ({ $field }) from { $asker } has had no expert's answer for { $hours } hours:
    { $question }
consult-answered = 🧑‍🏫 <b>{ $expert }</b> ({ $field }) answered consultation #{ $id }:
    Q: { $question }
    A: { $answer }
consult-usage = Usage: /consult FIELD QUESTION, e.g. /consult legal Can the buyer refuse the keys because of the parking ratio? Fields: { $fields }. At most { $max } characters.
consult-sent = ✅ Consultation #{ $id } went to { $count } { $field } experts. Their answer comes here; if nobody answers within { $hours } hours, the supervisors are told.
consult-sent-supervisors = ✅ Nobody on the staff list answers for { $field }: consultation #{ $id } went to the supervisors. Their answer comes here.
consult-which-field = Which experts should answer this buyer's message?
consult-already-answered = This consultation has been answered already.
consult-answer-enter = ✍️ Your answer to consultation #{ $id } ({ $question }). It goes to the colleague who asked, who may send it to the buyer:
consult-answer-saved = ✅ Thank you: your answer to consultation #{ $id } went to the colleague who asked.
consult-in-library = 📚 The answer is in the library as #{ $answer }. Add keywords and the English text with /answers #{ $answer }.
setgroup-not-allowed = Only a supervisor can register this group. Nothing was changed.
setgroup-usage = Send /setgroup decision in the group that is the emergency decision group.
setgroup-decision-done = ✅ This group is now the emergency decision group: group complaints, major complaints, complaints from households flagged for media or government attention, defects long past due and days of many no-shows come here, each with “I take it”. No buyer's phone number is ever posted here.
setgroup-in-group = Send /setgroup decision in the group itself (add @{ $bot } to the group first).
incident-raised = 🚨 <b>Incident #{ $id }</b>
    { $summary }
button-incident-take = 🙋 I take it
button-incident-close = ✅ Close
incident-taken = 🙋 { $name } takes incident #{ $id }.
incident-closed = ✅ Incident #{ $id } was closed by { $name }.
incident-yours = Incident #{ $id } is yours.
incident-taken-by = { $name } has incident #{ $id } already.
incident-closed-short = This incident is closed.
incidents-none = No incident so far.
incidents-title = 🚨 <b>Incidents</b> (open first, then the last closed)
incident-state-open = open, nobody has it
incident-state-taken = { $name } has it
incident-state-closed = closed
incident-line = <b>#{ $id }</b> { $at } · { $state }
    { $summary }
incident-group-complaint = Group complaint: { $count } households of building { $building } complained about { $topic } within { $days } days ({ $homes }).
incident-complaint = Complaint from { $home } ({ $topic }, { $level }; flags: { $flags }): { $text }
incident-overdue = A defect { $days } days past due: { $defect }
incident-no-shows = { $date }: { $missed } of { $visits } booked visits were missed without notice.
row-bad-expert-field = “{ $value }” is not a field of expertise (销售 sales, 工程 engineering, 设计 design, 法务 legal)

## Floor plans (户型图)
cmd-plan = A unit type's floor plan: send the image with the caption /plan A2
cmd-plans = The floor plans per unit type
plan-usage = To add or replace a unit type's floor plan, send the plan as a PNG or JPEG image (as a file keeps it sharp) with the caption /plan A2 — the unit type as the buyer list's 户型 column names it. For a home whose layout is the plan flipped (mirrored): /plan 1-1-101 mirrored (back: /plan 1-1-101 normal).
plan-saved = ✅ Floor plan of unit type { $unit_type } saved (version { $version }, { $width }×{ $height } pixels); { $homes } homes have this type.
plan-pdf = A PDF cannot be used as a floor plan. Please export the plan page as a PNG or JPEG image and send that. Nothing was changed.
plan-not-an-image = This file is not a PNG or JPEG image, so it cannot be a floor plan. Nothing was changed.
plan-too-large = The plan is larger than { $limit_mb } MB. Please send a smaller image. Nothing was changed.
plans-none = No floor plan yet, and no home has a unit type (the buyer list's 户型 column). { plan-usage }
plans-title = 🗺 <b>Floor plans</b>
plans-line = • { $unit_type }: version { $version }, { $width }×{ $height } · { $homes } homes
plans-missing = • { $unit_type }: no plan yet · { $homes } homes
plan-home-mirrored = ✅ { $home } now shows its floor plan mirrored; its items' places flip with it.
plan-home-normal = ✅ { $home } now shows its floor plan as drawn (not mirrored).
button-mark-on-plan = 📍 Mark on the plan
button-plan-view = 🗺 Plan view
button-type-plan-view = 🗺 Every { $unit_type } home of this building
plan-page-title-place = { $home } · where item { $number } is
plan-page-title-home = { $home } · unit type { $unit_type }
plan-page-title-type = Building { $building } · every item of unit type { $unit_type }
plan-page-hint = Tap the plan where the item is. Pinch to zoom, drag to move.
plan-page-save = Save the place
plan-page-saving = Saving…
plan-page-saved = ✅ The place is saved.
plan-page-failed = The place could not be saved. Please try again.
plan-page-locked = This item's place is marked by the delivery ambassador.
plan-page-zoom-in = Zoom in
plan-page-zoom-out = Zoom out
plan-page-reset = Reset
plan-page-not-found = This item cannot be found, or it is not yours to see. Please open it again from the chat.
plan-page-bad-position = Please tap inside the plan.
plan-page-all = All
plan-page-status = Status
plan-page-kind = Kind
plan-page-above-plain = Show the items of the home above
plan-page-above = Show the items of { $home } above
plan-page-no-pins = No item has a place on the plan yet.
plan-page-close = Close
plan-page-unpinned = Some items have no place on the plan yet; they are in the chat's list.
plan-page-room-shaded = Shaded on the plan: { $room }.
plan-page-saved-outside = ✅ The place is saved — it is outside the area marked “{ $room }” on the plan. If the item is elsewhere, tap there and save again.
plan-areas-title = Unit type { $unit_type } · room areas
plan-areas-hint = Choose a room, then tap its corners on the plan one after another. Save when the shape is right.
plan-areas-room = Room
plan-areas-save = Save the area
plan-areas-undo = Undo the last corner
plan-areas-remove = Remove
plan-areas-none = No room area drawn yet.
plan-areas-saved = ✅ The area of “{ $room }” is saved.
plan-areas-removed = ✅ The area is removed.
plan-areas-no-room = Please choose a room first. Nothing was changed.
plan-areas-corners = An area needs 3 to 40 corners. Nothing was changed.
plan-areas-too-small = These corners enclose almost nothing. Please tap the room's corners all around it. Nothing was changed.
button-room-areas = ✏️ Rooms on plan { $unit_type }
