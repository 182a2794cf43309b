//! Pictures of a floor plan with pins, at the size of a real plan: a 2400×1800 PNG drawing with
//! walls, doors, hatching and labels. Times decoding it (what the in-memory cache of decoded
//! plans saves), then 200 pin cards drawn from the decoded plan (mean and p95 against the 50 ms
//! a card may take), and the whole plan with 60 pins at Telegram's 1280 pixels. Asserts nothing
//! about time. Run with `cargo bench --bench plan_card`; `PLAN_CARD_OUT=DIR` keeps a card and
//! the overview to look at.

use std::time::{Duration, Instant};

use handover_bot::domain::plan::Pin;
use handover_bot::render::plan::{self, PinMark, PlanPicture};

const CARDS: usize = 200;
const BUDGET_MS: f64 = 50.0;
const COLOURS: [[u8; 3]; 5] = [
    [0xD6, 0x3B, 0x3B],
    [0xE8, 0x9B, 0x0C],
    [0x2F, 0x7B, 0xD8],
    [0x2E, 0x9E, 0x4F],
    [0x8E, 0x8E, 0x93],
];

/// A plan as an architect's export looks: thick outer walls, thinner inner ones on a grid of
/// rooms, a door arc in each room, hatched wet rooms, dimension ticks and blocks of small
/// "text", on white.
fn plan_png() -> Vec<u8> {
    let (width, height) = (2400u32, 1800u32);
    let rooms_x = [120, 700, 1150, 1700, 2280];
    let rooms_y = [120, 800, 1300, 1680];
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let ink = image::Rgb([20, 20, 20]);
        let outer = (rooms_x[0] - 18..rooms_x[0] + 18).contains(&x)
            || (rooms_x[4] - 18..rooms_x[4] + 18).contains(&x)
            || (rooms_y[0] - 18..rooms_y[0] + 18).contains(&y)
            || (rooms_y[3] - 18..rooms_y[3] + 18).contains(&y);
        let inside = (rooms_x[0]..rooms_x[4]).contains(&x) && (rooms_y[0]..rooms_y[3]).contains(&y);
        if outer
            && (rooms_x[0] - 18..rooms_x[4] + 18).contains(&x)
            && (rooms_y[0] - 18..rooms_y[3] + 18).contains(&y)
        {
            return ink;
        }
        if !inside {
            // Dimension ticks along the outside.
            return if (y < 60 || x < 60) && (x % 150 < 3 || y % 150 < 3) {
                ink
            } else {
                image::Rgb([255, 255, 255])
            };
        }
        let on_wall = rooms_x.iter().any(|&w| x.abs_diff(w) < 7)
            || rooms_y.iter().any(|&w| y.abs_diff(w) < 7);
        if on_wall {
            return ink;
        }
        let room_x = rooms_x.iter().rposition(|&w| w <= x).unwrap_or(0);
        let room_y = rooms_y.iter().rposition(|&w| w <= y).unwrap_or(0);
        let (ox, oy) = (rooms_x[room_x], rooms_y[room_y]);
        // A door's swing: a quarter circle from the room's corner.
        let (dx, dy) = (f64::from(x - ox), f64::from(y - oy));
        if (dx.hypot(dy) - 180.0).abs() < 1.5 {
            return image::Rgb([90, 90, 90]);
        }
        // Wet rooms hatched.
        if (room_x + room_y) % 3 == 0 && (x + y) % 24 < 2 {
            return image::Rgb([150, 150, 150]);
        }
        // A room label: a block of "letters" in the middle.
        let (label_x, label_y) = (ox + 150, oy + 220);
        if (label_x..label_x + 160).contains(&x)
            && (label_y..label_y + 28).contains(&y)
            && (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 5 < 2
        {
            return ink;
        }
        image::Rgb([255, 255, 255])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encodes");
    out
}

fn mark(i: usize) -> PinMark {
    // Spread over the plan, edges included, without a pattern the crop could favour.
    let step = |n: usize, m: usize| (n * 7919 % m) as f64 / (m - 1) as f64;
    PinMark {
        pin: Pin::new(step(i, 101), step(i + 13, 67)).expect("within the plan"),
        number: u32::try_from(i % 120 + 1).expect("small"),
        colour: COLOURS[i % COLOURS.len()],
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() {
    let bytes = plan_png();
    let mut decodes = Vec::new();
    let mut picture = None;
    for _ in 0..5 {
        let started = Instant::now();
        picture = Some(PlanPicture::decode(&bytes).expect("decodes"));
        decodes.push(started.elapsed());
    }
    let picture = picture.expect("decoded");
    decodes.sort();
    let decode = decodes[decodes.len() / 2];

    let mut times = Vec::with_capacity(CARDS);
    let mut sizes = 0usize;
    let mut kept = Vec::new();
    for i in 0..CARDS {
        let mark = mark(i);
        let started = Instant::now();
        let card = plan::pin_card(&picture, i % 2 == 1, &mark).expect("draws");
        times.push(started.elapsed());
        sizes += card.len();
        kept = card;
    }
    times.sort();
    let mean = ms(times.iter().sum::<Duration>()) / CARDS as f64;
    let p95 = ms(times[CARDS * 95 / 100 - 1]);
    println!(
        "plan {}x{} PNG ({:.2} MB), decoded to {}x{}: {:.1} ms per decode (median of 5)",
        2400,
        1800,
        bytes.len() as f64 / 1e6,
        picture.width(),
        picture.height(),
        ms(decode),
    );
    println!(
        "pin card {}x{} from the decoded plan, {CARDS} cards: mean {mean:.2} ms, p95 {p95:.2} ms \
         ({:.0}% of the {BUDGET_MS} ms budget at p95), {:.0} KB each on average",
        plan::CARD_WIDTH,
        plan::CARD_HEIGHT,
        100.0 * p95 / BUDGET_MS,
        sizes as f64 / CARDS as f64 / 1e3,
    );
    println!(
        "a card with a decode first (no cache) would take about {:.1} ms: {:.1}x the budget",
        ms(decode) + mean,
        (ms(decode) + mean) / BUDGET_MS,
    );

    let marks: Vec<PinMark> = (0..60).map(mark).collect();
    let mut wholes = Vec::new();
    let mut overview = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        overview = plan::whole_plan_png(&picture, false, &marks, 1280).expect("draws");
        wholes.push(started.elapsed());
    }
    wholes.sort();
    let mut drawn = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        plan::whole_plan(&picture, false, &marks, 1280).expect("draws");
        drawn.push(started.elapsed());
    }
    drawn.sort();
    println!(
        "whole plan at 1280 px with {} pins: {:.1} ms (median of 5; {:.1} ms of it drawing, the \
         rest PNG encoding), {:.0} KB",
        marks.len(),
        ms(wholes[wholes.len() / 2]),
        ms(drawn[drawn.len() / 2]),
        overview.len() as f64 / 1e3,
    );

    if let Some(dir) = std::env::var_os("PLAN_CARD_OUT") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::write(dir.join("plan-card.png"), &kept).expect("the card is written");
        std::fs::write(dir.join("plan-whole.png"), &overview).expect("the overview is written");
        std::fs::write(dir.join("plan.png"), &bytes).expect("the plan is written");
    }
}
