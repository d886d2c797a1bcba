"""Hand-written base utterances of a (fictional) streaming service's help desk, "Reelio", one per line per intent.

Written by hand for this project (no external source). Multi-intent or ambiguous messages sit under their main
intent. ``build_support_intents.py`` adds noisy variants (typos, lower case, text-speak) of some of them and
writes support_intents.csv; every variant stays in its base utterance's split.
"""

from __future__ import annotations

BASES: dict[str, str] = {}

BASES["playback_problem"] = """
video keeps buffering every few seconds
the show freezes at the same spot every time
why does everything look so blurry tonight, my internet is fine
black screen but i can hear the audio
app crashes as soon as i hit play
Error code P-1001 when I try to watch anything
stuck on the loading circle forever
episode 4 won't play, the other episodes do
playback stops after like 10 minutes and goes back to the menu
sound is out of sync with the picture
the picture is fine but there's no sound at all
"Something went wrong" every time i press play
it says too many streams but I'm the only one watching
video quality drops to 480p even on premium
the stream keeps pausing by itself
movies start then jump back to the beginning
can't watch anything, the spinner just spins
the new episode just shows a grey screen
HDR stuff looks washed out and dark on my tv
getting error 5003 on the web player
whenever I skip forward it buffers for ages
the live match is lagging like 2 minutes behind
the audio crackles on every show
video stutters on my laptop in chrome
im getting "check your connection" but wifi works for everything else
app freezes on the intro of every show
nothing will load, just the thumbnails
4k isn't working on my tv even though I pay for it
the screen goes green for a second then back to normal
picture looks pixelated like a bad youtube video from 2008
every time I resume a show it starts from the start instead of where i left off
it keeps asking "are you still watching" every 5 minutes
stream drops out during the final scene every single time lol
playback is choppy since the last update
the trailer autoplays but the actual movie won't start
buffering at 99% forever
audio only comes out of the left speaker
volume is super low on some movies and loud on others
the show skips scenes randomly
playback error 1011 pls fix
I keep getting kicked out mid episode
videos load but stop right after the opening credits
tried restarting the router, the app and the tv, still buffering
it says content cannot be played right now
can't play anything since this morning, is the service down?
is reelio down right now? nothing loads
everything stutters when my kid watches on the tablet at the same time
my screen flickers but only in your app
film plays in slow motion with the audio ahead
why is the quality so bad on a 500mbps connection
the video keeps switching between hd and blurry
my downloads play fine but streaming doesn't
can't get past the "preparing video" screen
it plays for 2 seconds and then error
no funciona el video, se queda cargando
das Video lädt nicht, nur schwarzer Bildschirm
when I cast the show the tv goes black but the sound keeps going
shows pause whenever my phone screen locks
the stream is only laggy at night
movie stopped halfway and now it won't resume
Error: DRM license failed
"playback license expired" what does that even mean
the episode ends 10 minutes early and skips to the next one
frames are dropping like crazy on the ps5 app
everything plays in low res on safari on my macbook
autoplay of the next episode isn't working anymore
the video keeps rewinding itself by 30 seconds
my streams keep timing out
i get error NW-2-5 on my samsung tv
constant buffering on mobile data even on the lowest quality
is there an outage in london? nothing is playing
app loads but the play button does nothing
the show is super dark, can barely see anything
the aspect ratio is wrong, everyone looks stretched
image is zoomed in and cut off on the sides
glitchy blocks all over the screen in action scenes
there's an echo on the audio of every episode
app says we're having trouble playing this title
played fine yesterday, now it just won't start
after the update the player keeps crashing
my show freezes but the timer keeps counting up
no picture, just the reelio logo
i pay for premium and still get buffering wtf
the rental I paid for won't play
watching on the train and it keeps dropping even with full bars
seeing "Error 429 too many requests" while watching
videos stop when I switch apps on my ipad
picture in picture shows a black box
it keeps saying my device is offline but it's not
the sound cuts out for a second every few minutes
why does it buffer way more than other apps on the same wifi
playback is fine on my phone but terrible on the tv
the tv app shows the loading bar and then kicks me back to the home screen
the last 3 episodes of the season just show an error
the video won't go fullscreen on the website
fullscreen button doesn't work in firefox
there's a high pitched whine in the audio
playback speed keeps resetting to 1.5x
the intro music plays and then silence
stream won't start unless I log out and back in
yo the app is trash today, nothing loads
audio lags when I watch with headphones
bluetooth speaker delay is like half a second behind the lips
the skip intro button skips the whole episode
it buffers every time the scene changes
can you check if there's a problem with your servers, every title errors out
my screen says Error E-400. Please try again later
the player just shows a broken image icon
the picture freezes but the sound keeps going
I can only watch in SD, HD is greyed out
auto quality always picks the lowest setting
why does the video get worse after 20 minutes of watching
it takes like 2 minutes to start playing anything
trailer plays, episode doesn't, same thing on all my devices
streaming is unbearable tonight, is something wrong on your end
all the videos are just grey boxes
my kids' cartoon keeps freezing on the tablet
casting from my phone keeps disconnecting in the middle of the show
An unexpected error occurred (code 3000)
movies keep stopping at the exact same minute
the series resumes at a random episode instead of the one i was on
tried clearing the cache and reinstalling, still can't stream
can't stream on my work laptop, it says proxy detected
I get a VPN detected error but I'm not using a vpn
after 5pm every night the quality goes to potato
video buffering non stop help!!
is it just me or is reelio broken rn
the app hangs when I press resume
the watch party keeps going out of sync
colours look weird, everyone is purple
the picture stutters on the new fire tv stick, the old one was fine
subtitles show but the video is frozen on the first frame
ever since your update the sound is crunchy
the stream quits whenever my laptop goes on battery
why does the movie pause itself every 15 min
movie keeps loading at 50% and then gives up
Hi, I was watching the finale and the app froze and now every episode shows error 2-0
the ads play fine but the show after them doesn't
"Playback failed. Retry?" and retry does nothing
lagging so bad I can't even watch the news channel
each time I switch episodes it shows a spinning wheel for a minute
reelio keeps crashing on my pixel phone when i play something
the audio is dubbed in french even though i picked english and the video stutters
my picture looks like it's 2 frames per second
video is super grainy on the big tv in the living room
"""

BASES["billing_charge_question"] = """
why was I charged twice this month
I see two charges from Reelio on my card
what is this $15.99 charge
my bill went up, why?
you charged me after my free trial, I didn't know it would renew
when is my next billing date
how much am I paying per month right now
can I get an invoice for my last payment
I need a receipt for my company expenses
charged $22.99 but my plan is $15.99
why did the price go up without telling me
the payment has shown as pending for 3 days
i was billed even though my payment failed?? confused
what's this extra tax on my bill
how do I see my billing history
my statement shows REELIO*DIGITAL 9.99 what's that for
can I change my billing date to the 1st
the email says payment declined but the money left my account
why is there a $1 charge on my card
got charged in euros instead of pounds
the amount is different from what the website said
double charged AGAIN, third month in a row
was I charged for the month my account was paused?
how come I'm paying for 2 accounts
do you charge VAT
why is my annual plan being charged monthly
charged on the 3rd and again on the 5th
the app store charged me and so did reelio directly
I cancelled last month but got billed again, why
how much is the next payment going to be
my payment failed, what happens now
the invoice shows the wrong name
I need a VAT invoice with my company address on it
can you send me a copy of the bill from march
is the price with or without tax
how is the proration calculated when I upgraded mid month
what's the charge for the extra member slot
I was charged the premium price but I'm on standard
the bill says 2 screens but I have 4
why did my student discount stop showing on my bill
explain my bill please
bill is way higher than usual this month
my bank shows a foreign transaction fee from you
what day of the month do you take the money
you took the money early this month
i got charged $0.00 and then $13.99?
my invoice number is INV-22841 and the total looks wrong
why do I have a charge called "reelio add-on"
what add-ons am I actually paying for
how do I download my invoices as pdf
is there a late fee if a payment fails
the charge showed twice but one disappeared, will it come back
the pending charge is still there after a week
cuánto pago al mes?
warum wurde ich zweimal belastet
why does the price on the app store differ from your site
where do i find my receipts
you charged my old card, not the one I added
how much was I charged last year in total, I need it for taxes
the amount on my statement is in dollars but I'm in canada
were the taxes changed recently?
my payment date moved from the 12th to the 15th, why
is my payment automatic or do I have to pay each month
I paid with a gift card, why is my card being charged too
how long until a failed payment is retried
I was charged during the free trial
when does my free trial end and when will I be charged
what does "billing issue, update your details" mean on my account
my account says past due but I paid
the charge on my card says authorisation hold
how do i know if my payment went through
what's the difference between the two amounts on my invoice
why am I paying more than my friend for the same plan
can the bill be sent to a different email
is there a way to get paper statements
whats this 2.99 every month
the price increase email, when does it start
will my price stay the same if I keep my old plan
got a charge notification but my subscription is paused
my billing page says 3 months in advance, is that right?
are there any hidden fees
the family plan charge looks wrong
my card was charged in a different currency so I paid more
my bank says the merchant is RLO MEDIA, is that you?
do you charge for each profile?
tengo un cobro doble este mes
I see a charge but my account says no active plan
charged twice for the same rental
what will it cost after the trial
did my price change when I moved to another country
got a bill for 39.99?? that's not my plan
can someone explain the partial charge of 4.32
why the 1 dollar charge every time I update my card
billing history only shows the last 6 months, I need older ones
i need proof of payment for my visa application lol
the invoice doesn't show my tax id
is it charged monthly or every 4 weeks
so I was billed on monday and again today, same amount, what's going on
hi there, quick q: why is my bill 3 dollars more than last month
the receipt email has no amount on it
my partner and I both got charged for the family plan
there's a charge from reelio dated in the future??
can you break down what I paid in january
i think the rate you charge me is the old price, can you check
price went from 11.99 to 13.99, is that permanent?
"""

BASES["login_problem"] = """
can't log in
forgot my password
the password reset email never arrives
it says incorrect password but I know it's right
how do I reset my password
the login page keeps loading forever
I get "something went wrong" when signing in
the verification code never comes to my phone
two factor code isn't working
I changed phones and now can't get the 2FA code
sign in with google doesn't work
sign in with apple gives me an error
my tv shows a code to log in but the website says it's invalid
it keeps logging me out every day
it logs me out on the tv whenever I log in on my phone
the reset link says expired
I never got the magic link email
which email did I sign up with? i can't remember
login loop, it keeps sending me back to the login screen
my password doesn't work after the update
username or password incorrect even right after a reset
the app says session expired constantly
I can log in on the web but not in the app
the login button is greyed out
can't sign in on my new phone
the captcha keeps failing
it asks me to verify my email but the link is broken
can I log in with a pin instead of a password
my facebook login stopped working
I don't have the phone number for verification anymore
login error 401
account not found but I've been paying for a year
can't remember if I used gmail or hotmail
no me deja iniciar sesión
ich kann mich nicht einloggen
the activation code on the tv expired before I could type it in
the QR code login on my TV isn't working
the password reset page says user does not exist
it keeps sending me to the sign up page instead of login
my saved password stopped working in chrome
I reset my password but the tv still wants the old one
logging in with my phone number isn't working
what's the website where I enter my tv code
i'm stuck on "verifying" after entering my password
the email code is 6 digits but the box only lets me type 4
I got a login code I can't use
"sign in failed, please try again later"
login works but then it says no profile found
my son changed the password and forgot it
can you send me a new password
I want to log in on a friend's tv, how?
why do I have to log in again every time I open the app
login takes forever on the roku
it says my email is not verified
my email has a typo in it and now I can't log in
help i cant get in
reset password not working!!!
the reset email went to spam and now the link is dead
how do I sign out of all devices
I can't log in because I lost access to that email
on the website the login just refreshes the page
the app says invalid credentials
getting error LGN-04 when logging in
login via smart tv keeps failing
what is my username
the password rules are confusing, it keeps rejecting my new one
the app won't remember my login
fingerprint login stopped working
face id login doesn't work anymore
after I changed my password everyone got logged out, how do I get back in on the tv
how do I get the code to log in on playstation
need help signing in to my account
login issue on my ipad
unable to access my account, password is definitely right
I'm sure my password is right but it says wrong password
cannot login on android since yesterday
signing in with my email gives a blank white page
every time I enter the code it says "code expired"
do I need a separate login for the kids tablet
reset link opens the app and does nothing
the "forgot password" link isn't clickable
I made a new password and it still says incorrect
I logged in once and now it keeps asking for my password again
the sms with the login code comes 20 min late
can't get into reelio on my xbox, it won't accept my details
mot de passe oublié, comment faire
I use a password manager and the login form doesn't fill
my wife can log in but I can't with the same account
login says "account exists with a different sign in method"
"""

BASES["account_locked"] = """
my account is locked
it says my account has been suspended
account disabled, why?
"your account has been locked for security reasons" what do I do
locked out after too many login attempts
it says too many attempts, try again later, and it's been 24 hours
you blocked my account for no reason
my account got frozen after I used a vpn on holiday
why was my account deactivated
I got an email that my account is on hold
it says account restricted, contact support
unlock my account please
mi cuenta está bloqueada
my account is suspended and I didn't do anything wrong
account locked right after a password reset
error: account temporarily disabled
suspended for "suspicious activity" but it was me
it says account locked and the unlock link is dead
locked account, urgent, my kids need it tonight
your system locked me out while I was travelling abroad
"This account has been disabled. Code AC-9"
how long does an account lock last?
my login is blocked after I typed the wrong code 5 times
what does "account under review" mean, I can't use it
mein Konto ist gesperrt
blocked from my own account, pls unblock
"""

BASES["fraud_report"] = """
someone hacked my account and changed the password
there are charges on my card I didn't make
someone is using my account from another country
I see profiles I didn't create and a watch history in a language I don't speak
I got an email saying my email was changed, I didn't do that
my card was used to sign up for reelio and I don't have an account
there's an unknown device logged into my account
I think my account was stolen
I got a phishing email pretending to be reelio asking for my card
someone bought rentals on my account
there's a charge from you on my card and I've never used your service
my email and password were changed without me knowing
got a text saying my reelio account is suspended with a link, is it a scam?
fraudulent charges on my credit card from reelio
somebody upgraded my plan without my permission
someone else is watching on our account, there are random shows in the history
I want to report fraud
account compromised help
strange login from a city I've never been to
a fake reelio website took my money
a stranger messaged me with my account details
my card got charged 6 times by reelio overnight and I didn't do it
"""

BASES["cancel_subscription"] = """
cancel my subscription
how do i cancel
I want to cancel reelio
please stop my membership
end my plan at the end of the month
i dont want to be charged anymore, cancel it
how to cancel the free trial before it charges me
where is the cancel button, I can't find it
cancel my account effective immediately
I'm moving abroad and want to cancel
quiero cancelar mi suscripción
kündigen bitte
we don't watch anymore, please unsubscribe us
I want to stop auto renewal
turn off auto-renew
too expensive, I'm cancelling
how do I cancel if I subscribed through the app store
how to cancel through google play?
my husband passed away, how do I cancel his account
cancel the family plan
can I cancel and keep watching until the end of the period
if I cancel do I lose my watch history
cancel my subscription and refund this month
I tried to cancel online but it keeps giving an error
I already cancelled but it still shows active
stop the subscription
cancel everything, I'm done with this
I'd like to terminate my contract
how many days notice do I need to give to cancel
unsubscribe
cancel membership please, thanks
close my reelio subscription
my trial ends tomorrow, cancel it before I'm charged
the cancel page just loops back to special offers
stop billing me, I want out
I want to cancel my dad's account, he's in a care home now
how do I end my subscription on roku
cancel the subscription I bought through amazon
what happens if I cancel mid-month
I'm a student and can't afford it anymore, please cancel
cancel it right now, not at the end of the month
is there a cancellation fee
I want to quit reelio
delete my subscription
I signed up by mistake, cancel pls
cancel the one on my other email
don't renew my annual plan
stop my membership from renewing in june
cancelling because there's nothing good to watch anymore
I want to cancel but the app sends me to a survey that never ends
resiliar assinatura
please confirm my cancellation went through
my mum doesn't use it, cancel her subscription, I'm the account holder
the cancel link in your email doesn't work
how do I make sure I won't be billed again after cancelling
cancel the premium subscription, I'll sign up again in summer
no more reelio for me. how do I close this
end my subscription today
I was told on chat my plan was cancelled but you charged me, cancel it properly this time
cancel my membership before the next payment on the 14th
"""

BASES["change_plan"] = """
how do I upgrade to premium
downgrade me to basic
switch me from standard to the plan with ads
can I add another screen
what plans do you have
what's the difference between standard and premium
change to annual billing
can I get the student plan
move me to the family plan
I want 4K, which plan do I need
pause my subscription for 2 months
remove ads from my plan
if I upgrade now do I pay the difference?
can I downgrade without losing my downloads
switch my plan to monthly instead of yearly
is there a cheaper plan
I want to go back to my old plan
does the basic plan have hd
add an extra member to my account
how many screens do I get with standard
change plan
can I try premium for a month and then go back
the upgrade button doesn't do anything
upgrade the family plan to 6 members
switch me to the no ads plan pls
i'd like to change my subscription tier
cambiar a plan premium
what's the sports add-on and how do I add it
remove the sports add-on
which plan lets me download
pause my membership while I travel for a month
can I pay for a year upfront and save
downgrade at the end of the billing period, not now
i have premium but only use my phone, is there a mobile plan
upgrade to 4 screens for the holidays then back
is there a plan for just 1 screen
we need more screens, the kids keep fighting
what do I get if I upgrade
can I switch plans in the app
change my plan from premium to standard starting next month
I want the plan without ads but I can't see it in my country
move me from the trial to the basic plan
does the family plan share downloads
how do I get the annual discount
"""

BASES["device_setup"] = """
how do I install reelio on my samsung tv
I can't find the app on my lg tv
does reelio work on ps4
how do I cast from my iphone to a chromecast
airplay doesn't show reelio as an option
how do I connect my phone to the tv
set up reelio on a firestick
my roku doesn't have the app
the app says it's not compatible with my tablet
how many devices can I register
remove old devices from my account
the app isn't in the app store in my country
how do I watch on my computer
which tvs support reelio
will it work on a 2015 smart tv
can I use reelio on xbox
install it on an android tv box
how do I update the reelio app on my tv
just got a new tv, how do i set up reelio on it
the app disappeared from my tv after a firmware update
do you support linux
can I get the app on my car screen
connected my laptop to the tv with hdmi, no picture
can I watch on a projector
the app won't install, not enough storage
what's the minimum ios version?
how to set up on apple tv
my hotel tv has a reelio button, how do I use it
can I connect the tv app to my sonos speakers
how do I pair my phone as a remote for the tv app
does it work on a kindle fire
the tv app is in german and I can't find the settings
is there an app for windows
how do i get reelio on my old panasonic tv
my chromecast isn't showing up in the app
can I use it on my oculus headset
does it work on chromebooks
the app store says the app isn't available for my device
what internet speed do I need for the tv app
can I stream to two tvs in the house
my vizio tv won't download the app
how do I move the app to the home screen on my tv
is the app on nintendo switch
how do I set reelio up on a second tv in the bedroom
where can I download the app for mac
my tv remote doesn't work with the app menus
how to add reelio to my sky box
mirroring from my android phone to the tv doesn't work
"""

BASES["refund_request"] = """
i want a refund
can I get my money back for this month
refund the double charge please
I was charged after cancelling, refund me
please refund the rental, it never played
I didn't use the service at all this month, can I get a refund?
refund for the annual plan I bought by mistake
how long do refunds take?
where is my refund, it's been 10 days
you promised a refund and I still don't have it
devuélvanme mi dinero
reembolso por favor
I upgraded by accident, can I get the difference back
can the refund go to a different card
the movie I bought was in the wrong language, refund it
can you credit my account instead of a refund
my kid rented 5 movies without asking, refund pls
I want compensation for the outage last week
money back for the days the app was broken
I forgot to cancel the trial, can you refund the first month
refund the charge from yesterday, I cancelled before the renewal
the agent said I'd get a refund in 3 days, it's been 2 weeks
I want a partial refund for the downgrade
refund me the difference between premium and standard, you charged the wrong one
i got charged for a year, I only wanted monthly, refund
please return the money for the movie purchase, it's unwatchable
I was billed twice, I want one of them back
can I get a refund if I cancel halfway through the year
request refund for order 55213
the refund shows on your side but not on my bank
why was my refund rejected
refund for a gift card I never used
give me my money back, the service has been down all week
refund the 13.99 please, my account was closed already
do you refund unused months?
I paid for hd and only ever got sd, refund
can I get a refund to paypal instead
i'd like a refund for my grandma's subscription, she didn't know it renews
"""

BASES["update_payment_method"] = """
how do I change my card
update my credit card
my card expired, how do I add the new one
change my payment to paypal
can I pay with apple pay
remove my old card
add a backup payment method
the new card keeps getting declined when I add it
can I pay by direct debit from my bank account
change the billing address for my card
use a different card for this month only
my bank issued a new card number, where do I update it
how do I switch from app store billing to paying you directly
do you accept klarna
update payment info
can I pay with a prepaid card
my payment details are out of date
how to put my husband's card on the account
the page to edit my card just spins
I want to use google pay
can I pay with my phone bill
delete my card details from your site
do you take amex
my card got cancelled because of fraud at my bank, need to add a new one
the save button on the payment page is greyed out
change from credit card to debit card
I need to update the expiry date on my card
can I pay in cash somewhere
my paypal is linked to the wrong account, change it
where is the payment settings page in the app
can I split the payment between two cards
the card form says invalid postcode
how do I pay with a gift card balance first and then my card
i want to set up a different card as default
"""

BASES["content_availability"] = """
is "Harbor Lights" on reelio
when is season 3 of The Quiet Coast coming
why was the show removed
the movie I was watching disappeared from my list
is this film available in my country?
can you add more anime please
when does the new episode drop
I can't find the documentary from your ads
it says not available in your region
do you have the champions league
why is the catalogue so much smaller in canada
will you add the sequel
what's leaving reelio this month
the show only shows season 1, where are the rest
can I request a movie
is there a list of new releases
why do I see the series on your website but not in the app
do you have kids movies in spanish
is "Northbound" coming back?
when is the director's cut coming
the film is on your instagram but search finds nothing
why is Midnight Garden missing season 2 in the uk
are the old 90s cartoons on here
how long will Iron Valley stay on the service
what's new this week
i heard you're getting the Tokyo Drift Files, when?
does reelio have live tv channels
the episode list jumps from 5 to 7, where's episode 6
do you have any bollywood movies
is there a way to see what's coming soon
why can't I rent new releases
when does the finale come out in australia
"""

BASES["subtitles_audio"] = """
how do I turn on subtitles
subtitles are out of sync
no english subtitles on this movie
change the audio language to spanish
subtitles are too small to read
the captions show in the wrong language
can I get the original audio
audio description keeps turning on by itself
subtitles won't turn off
only the dubbed version? I want original with subs
can I change the subtitle font
the CC button is missing on my tv
subs disappear halfway through the episode
subtitles are a few seconds behind
how do I set subtitles on by default
the subtitle background is huge and covers the picture
there are no portuguese subtitles anymore
how to get hindi audio
the forced subtitles for the alien parts are missing
subtitles show weird symbols instead of letters
I turned on english audio but it keeps going back to italian
can I watch with two subtitle languages at once
subtitles for the deaf and hard of hearing?
the subtitles are wrong, they don't match what they say
is there a way to make the subs yellow
how do I get the 5.1 surround audio
"""

BASES["download_offline"] = """
how do I download episodes
the download button is missing
why do downloads expire after 2 days
how many downloads can I have?
can I download on my laptop
downloaded movies won't play on the plane
my downloads disappeared
download stuck at 0%
can I download to the sd card
it says download limit reached
downloads are taking forever
can't download this title, the icon is greyed out
how long can I keep downloaded shows offline
the downloaded episode says "license expired" when offline
how do I delete downloads to free up space
downloads only work on wifi? I want to use mobile data
can I choose the download quality
do downloads count as a screen
smart downloads keep filling my phone
the download failed at 95% three times
can I download a whole season at once
"""

BASES["profile_management"] = """
how do I add a profile
delete a profile
change my profile name
how do I change my profile picture
my brother keeps using my profile
how many profiles can I have?
transfer my profile to a new account
clear my watch history
remove something from continue watching
change the language of my profile
lock my profile with a pin
my recommendations are full of my kid's stuff, how do I separate them
can I merge two profiles
the profile icon I picked reset itself
I can't edit profiles on the tv
rename the profile "Kids" to "Emma"
someone deleted my profile by accident, can it come back
how do I hide a show from my history
my profile shows someone else's list
can each profile have its own language
"""

BASES["parental_controls"] = """
how do I set up a kids profile
block mature content for my son
how do I set the maturity rating
where do I set a parental pin
my 8 year old watched a horror movie, how do I stop that
restrict content by age
turn off parental controls
I forgot the parental control pin
can I limit screen time for the kids
block a specific show from the kids profile
the kids profile still shows 16+ trailers
make it so my daughter can't leave her profile without a code
do you have parental controls on the tv app
"""

BASES["gift_card_promo"] = """
how do I redeem a gift card
my promo code isn't working
the code says already used
can I buy a gift card for someone
the discount code didn't apply to my bill
where do I enter the voucher
does the gift card balance expire
is there a student discount code
free 3 months from my phone carrier, how do I activate it
I got a reelio card for christmas, how do I use it
invalid code message for my gift card
can I use two promo codes
the black friday offer wasn't applied
my referral bonus never showed up
the voucher from the cereal box doesn't work lol
how much is left on my gift card
my code is for a different country it says
the free month from my bank isn't showing
can I gift a subscription
"""

BASES["human_agent"] = """
talk to a human
I want to speak to an agent
can I call someone
what's your phone number for support
this bot is useless, give me a person
live chat please
representative
is there anyone real here
escalate this to a supervisor
agent
I need to talk to someone, not a bot
connect me to customer service
can someone call me back
I've been going in circles, real person please
operator
hablar con una persona
let me talk to your manager
"""

BASES["app_feedback"] = """
your app is terrible
the new design is awful, bring back the old one
suggestion: add a shuffle button
love the app, just wanted to say thanks
the search is useless
please add a dark mode to the website
the home screen is too cluttered
why does the trailer autoplay, it's so annoying
you should let us rate shows again
the recommendations are so bad lately
great service, keep it up
the new logo is ugly
the app is way slower than it used to be, do better
please bring back the "recently added" row
make the skip intro button bigger
"""

BASES["change_email"] = """
how do I change my email address
update the email on my account
I don't use my old email anymore, I want to switch
change the phone number on my account
there's a typo in my email on the account
can I use my work email instead
how do I change the email if I can't log in to the old one
my email changed after I got married, update it
change my contact email
I want my receipts to go to a new email address
update my mobile number for the codes
"""

BASES["data_privacy_request"] = """
delete my account and all my data
I want all my personal data erased under GDPR
how do I request a copy of my data
remove my information from your systems
what data do you keep about me?
I want to exercise my right to be forgotten
send me everything you have stored about me
opt me out of data sharing with advertisers
stop selling my personal information
please delete my viewing history from your servers permanently
how long do you keep my data after I cancel
I want to download my personal data
delete my child's data, she made an account without asking
"""
