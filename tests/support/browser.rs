//! A real browser for the Mini App pages: Debian's chromium, headless, driven through
//! chromedriver (WebDriver) with `fantoccini`, sized and touch-enabled like a phone. Telegram's
//! client is stood in for by a `window.Telegram.WebApp` object injected before the page's own
//! scripts run (the real script cannot load here: every host but 127.0.0.1 fails to resolve).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use fantoccini::actions::{Actions, InputSource, PointerAction, TouchActions};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/lib/chromium/chromium";
const DRIVER: &str = "chromedriver";

/// A finger's move in a drag or a pinch: this many steps, each this long.
const STEPS: u32 = 12;
const STEP: std::time::Duration = std::time::Duration::from_millis(16);

/// A Chrome DevTools command, sent through chromedriver.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"cmd": self.cmd, "params": self.params}).to_string()),
        )
    }
}

/// How the Telegram client opens a page: the login, the person, and the theme.
pub struct Telegram<'a> {
    pub init_data: &'a str,
    pub user_id: i64,
    pub language_code: &'a str,
    pub dark: bool,
}

impl Telegram<'_> {
    /// The stand-in for `window.Telegram.WebApp`, recording what the page does with the main
    /// button in `window.__tg`.
    fn script(&self) -> String {
        let theme = if self.dark {
            json!({"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499",
                   "link_color": "#6ab3f3", "button_color": "#5288c1", "button_text_color": "#ffffff",
                   "secondary_bg_color": "#232e3c"})
        } else {
            json!({"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#999999",
                   "link_color": "#2481cc", "button_color": "#2481cc", "button_text_color": "#ffffff",
                   "secondary_bg_color": "#efeff3"})
        };
        format!(
            r#"(() => {{
  const tg = window.__tg = {{ main: {{ text: "", visible: false, enabled: true, progress: false, handlers: [] }},
                              back: false, ready: false, closed: false }};
  const main = {{
    setText(t) {{ tg.main.text = t; return main; }},
    show() {{ tg.main.visible = true; return main; }},
    hide() {{ tg.main.visible = false; return main; }},
    enable() {{ tg.main.enabled = true; return main; }},
    disable() {{ tg.main.enabled = false; return main; }},
    showProgress() {{ tg.main.progress = true; return main; }},
    hideProgress() {{ tg.main.progress = false; return main; }},
    onClick(h) {{ tg.main.handlers.push(h); return main; }},
  }};
  const webApp = {{
    initData: {init_data},
    initDataUnsafe: {{ user: {{ id: {user_id}, language_code: {language} }} }},
    themeParams: {theme},
    colorScheme: {scheme},
    MainButton: main,
    BackButton: {{ show() {{ tg.back = true; }}, hide() {{ tg.back = false; }}, onClick() {{}} }},
    HapticFeedback: {{ notificationOccurred() {{}} }},
    ready() {{ tg.ready = true; }}, expand() {{}}, close() {{ tg.closed = true; }}, onEvent() {{}},
  }};
  Object.defineProperty(window, "Telegram", {{ value: {{ WebApp: webApp }}, writable: false }});
}})();"#,
            init_data = json!(self.init_data),
            user_id = self.user_id,
            language = json!(self.language_code),
            theme = theme,
            scheme = json!(if self.dark { "dark" } else { "light" }),
        )
    }
}

/// A headless chromium sized like a phone (390×844 CSS pixels at 2×, touch).
pub struct Browser {
    driver: Child,
    pub client: Client,
}

impl Browser {
    pub async fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut driver = Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{DRIVER} must be installed (apt-get install chromium chromium-driver): {e}")
            });
        // chromedriver says when it listens; no waiting by the clock.
        let stdout = driver.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.contains("started successfully") => break,
                Some(Ok(_)) => continue,
                _ => panic!("{DRIVER} stopped before it listened"),
            }
        }
        std::thread::spawn(move || for _ in lines {});
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                    "--lang=zh-CN",
                    // After a two-finger gesture a page restored from this cache takes no touches.
                    "--disable-features=BackForwardCache",
                ],
                "mobileEmulation": {
                    "deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2.0, "touch": true},
                    "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 Telegram-Android/11.0"
                }
            }
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("chromium starts under chromedriver");
        Browser { driver, client }
    }

    /// Opens `url` as Telegram would, for the person and theme in `telegram`.
    pub async fn open(&self, url: &str, telegram: &Telegram<'_>) {
        let added = self
            .client
            .issue_cmd(Cdp {
                cmd: "Page.addScriptToEvaluateOnNewDocument",
                params: json!({"source": telegram.script()}),
            })
            .await
            .expect("the stand-in is injected");
        self.client.goto(url).await.expect("the page opens");
        self.client
            .issue_cmd(Cdp {
                cmd: "Page.removeScriptToEvaluateOnNewDocument",
                params: json!({"identifier": added["identifier"]}),
            })
            .await
            .expect("the stand-in is removed for the next page");
    }

    /// The text of the element with `id` once it has some (the page fills it from the API).
    pub async fn text_of(&self, id: &str) -> String {
        let element = self
            .client
            .wait()
            .for_element(Locator::Id(id))
            .await
            .expect("the element is there");
        for _ in 0..500 {
            let text = element.text().await.expect("its text");
            if !text.trim().is_empty() {
                return text;
            }
            self.client
                .execute(
                    "return new Promise(r => requestAnimationFrame(() => r(1)))",
                    vec![],
                )
                .await
                .expect("a frame passes");
        }
        panic!("#{id} stayed empty");
    }

    /// Draws a signature-like zigzag with a finger on the element with `id`.
    pub async fn sign_on(&self, id: &str) {
        let pad = self
            .client
            .find(Locator::Id(id))
            .await
            .expect("the drawing surface");
        let mut finger = TouchActions::new("finger".into()).then(PointerAction::MoveToElement {
            element: pad.clone(),
            duration: None,
            x: -120.0,
            y: 10.0,
        });
        finger = finger.then(PointerAction::Down {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        });
        for step in 1..=24 {
            let x = -120.0 + f64::from(step) * 10.0;
            let y = if step % 2 == 0 { 30.0 } else { -30.0 };
            finger = finger.then(PointerAction::MoveToElement {
                element: pad.clone(),
                duration: Some(std::time::Duration::from_millis(15)),
                x,
                y,
            });
        }
        finger = finger.then(PointerAction::Up {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        });
        self.client
            .perform_actions(finger)
            .await
            .expect("the finger draws");
        self.client
            .release_actions()
            .await
            .expect("the finger is lifted");
    }

    /// Presses Telegram's main button as a person would: only when it shows and is enabled.
    /// Whether it was pressed.
    pub async fn press_main_button(&self) -> bool {
        let pressed = self
            .client
            .execute(
                "const m = window.__tg.main; if (!m.visible || !m.enabled) return false; \
                 m.handlers.forEach(h => h()); return true;",
                vec![],
            )
            .await
            .expect("the stand-in answers");
        pressed == Value::Bool(true)
    }

    /// What the page set on the main button: (text, visible, enabled).
    pub async fn main_button(&self) -> (String, bool, bool) {
        let state = self
            .client
            .execute("return window.__tg.main;", vec![])
            .await
            .expect("the stand-in answers");
        (
            state["text"].as_str().unwrap_or_default().to_string(),
            state["visible"] == Value::Bool(true),
            state["enabled"] == Value::Bool(true),
        )
    }

    /// Ticks the checkbox with `id` and waits until the page has taken the tick. (A tap sent
    /// through DevTools after touch strokes makes no click in headless Chromium; WebDriver's
    /// element click does, so tests tick before they draw.)
    pub async fn tick(&self, id: &str) {
        self.client
            .find(Locator::Id(id))
            .await
            .expect("the element")
            .click()
            .await
            .expect("it is clicked");
        let script = format!(
            "return new Promise(r => requestAnimationFrame(() => r([document.getElementById({id:?}).checked, window.__tg.main])));"
        );
        let mut seen = Value::Null;
        for _ in 0..200 {
            seen = self
                .client
                .execute(&script, vec![])
                .await
                .expect("the page answers");
            if seen[0] == Value::Bool(true) {
                return;
            }
        }
        panic!("#{id} is not ticked: {seen}");
    }

    /// Whether the page fits a phone `width` CSS pixels wide without scrolling sideways.
    pub async fn fits_width(&self, width: u32) -> bool {
        self.client
            .issue_cmd(Cdp {
                cmd: "Emulation.setDeviceMetricsOverride",
                params: json!({"width": width, "height": 640, "deviceScaleFactor": 2, "mobile": true}),
            })
            .await
            .expect("the window narrows");
        let widest = self
            .client
            .execute(
                "return new Promise(r => requestAnimationFrame(() => r(document.documentElement.scrollWidth)));",
                vec![],
            )
            .await
            .expect("the page answers");
        self.client
            .issue_cmd(Cdp {
                cmd: "Emulation.setDeviceMetricsOverride",
                params: json!({"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true}),
            })
            .await
            .expect("the window is a phone again");
        widest.as_u64().is_some_and(|w| w <= u64::from(width))
    }

    /// The value of the JavaScript expression `script` in the page (a promise is awaited).
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(&format!("return (\n{script}\n);"), vec![])
            .await
            .unwrap_or_else(|e| panic!("the page evaluates {script}: {e}"))
    }

    /// Waits until the JavaScript expression `js_condition` is true in the page, checking it
    /// once an animation frame (never by the clock); an exception counts as not yet. Gives up
    /// after about 1,200 frames.
    pub async fn wait_until(&self, js_condition: &str) {
        let script = format!(
            "return new Promise(resolve => {{ \
               let frames = 0; \
               const check = () => {{ \
                 let ok = false; \
                 try {{ ok = !!(\n{js_condition}\n); }} catch (e) {{ ok = false; }} \
                 if (ok) resolve(true); \
                 else if (++frames > 1200) resolve(false); \
                 else requestAnimationFrame(check); \
               }}; \
               check(); \
             }});"
        );
        let met = self
            .client
            .execute(&script, vec![])
            .await
            .unwrap_or_else(|e| panic!("the page checks {js_condition}: {e}"));
        assert_eq!(met, Value::Bool(true), "never true: {js_condition}");
    }

    /// The box of the element with `id` on screen, in CSS pixels from the viewport's top-left
    /// corner: (left, top, width, height), transforms included (`getBoundingClientRect`).
    pub async fn rect_of(&self, id: &str) -> (f64, f64, f64, f64) {
        let rect = self
            .eval(&format!(
                "(() => {{ const r = document.getElementById({id:?}).getBoundingClientRect(); \
                   return [r.left, r.top, r.width, r.height]; }})()"
            ))
            .await;
        let n = |i: usize| {
            rect[i]
                .as_f64()
                .unwrap_or_else(|| panic!("#{id} has a box: {rect}"))
        };
        (n(0), n(1), n(2), n(3))
    }

    /// A one-finger tap at (`x`, `y`) CSS pixels from the viewport's top-left corner. (A tap
    /// sent through DevTools after touch strokes makes no click in headless Chromium: a page
    /// must act on its pointer events, pointerdown and pointerup, to be driven by this.)
    pub async fn tap_at(&self, x: f64, y: f64) {
        let finger = TouchActions::new("finger".into())
            .then(PointerAction::MoveTo {
                duration: None,
                x,
                y,
            })
            .then(PointerAction::Down {
                button: fantoccini::actions::MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Up {
                button: fantoccini::actions::MOUSE_BUTTON_LEFT,
            });
        self.perform(finger.into()).await;
    }

    /// One finger put down at `from`, moved in steps to `to` and lifted (CSS pixels from the
    /// viewport's top-left corner).
    pub async fn drag(&self, from: (f64, f64), to: (f64, f64)) {
        let mut finger = TouchActions::new("finger".into())
            .then(PointerAction::MoveTo {
                duration: None,
                x: from.0,
                y: from.1,
            })
            .then(PointerAction::Down {
                button: fantoccini::actions::MOUSE_BUTTON_LEFT,
            });
        for step in 1..=STEPS {
            let t = f64::from(step) / f64::from(STEPS);
            finger = finger.then(PointerAction::MoveTo {
                duration: Some(STEP),
                x: from.0 + (to.0 - from.0) * t,
                y: from.1 + (to.1 - from.1) * t,
            });
        }
        finger = finger.then(PointerAction::Up {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        });
        self.perform(finger.into()).await;
    }

    /// Two fingers put down side by side `from_gap` CSS pixels apart around `centre` and moved
    /// apart (or together) at once until they are `to_gap` apart, then lifted: a pinch. Both
    /// fingers must stay inside the viewport (390 CSS pixels wide).
    ///
    /// After a pinch, headless Chromium takes no touch at all on the next page opened in the
    /// same tab (the pinched page kept in its back-forward cache keeps the touch state): reload
    /// first (`client.refresh()`), or open the next page in a new `Browser`.
    pub async fn pinch(&self, centre: (f64, f64), from_gap: f64, to_gap: f64) {
        let finger = |name: &str, side: f64| {
            let mut finger = TouchActions::new(name.into())
                .then(PointerAction::MoveTo {
                    duration: None,
                    x: centre.0 + side * from_gap / 2.0,
                    y: centre.1,
                })
                .then(PointerAction::Down {
                    button: fantoccini::actions::MOUSE_BUTTON_LEFT,
                });
            for step in 1..=STEPS {
                let gap = from_gap + (to_gap - from_gap) * f64::from(step) / f64::from(STEPS);
                finger = finger.then(PointerAction::MoveTo {
                    duration: Some(STEP),
                    x: centre.0 + side * gap / 2.0,
                    y: centre.1,
                });
            }
            finger.then(PointerAction::Up {
                button: fantoccini::actions::MOUSE_BUTTON_LEFT,
            })
        };
        self.perform(Actions::from(finger("finger1", -1.0)).and(finger("finger2", 1.0)))
            .await;
    }

    /// Performs `actions` and lifts every finger afterwards.
    async fn perform(&self, actions: Actions) {
        self.client
            .perform_actions(actions)
            .await
            .expect("the fingers move");
        self.client
            .release_actions()
            .await
            .expect("the fingers are lifted");
    }

    /// A PNG of the page as shown.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.expect("a screenshot")
    }

    pub async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
