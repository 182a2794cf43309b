// What every Mini App page shares: Telegram's WebApp object, or a stand-in where its script
// could not load and the theme it gives.
"use strict";

// Telegram's script gives window.Telegram.WebApp. Where it could not load (a blocked network),
// the same login and theme are in the address's fragment, and the page draws its own button.
function webApp() {
  const given = window.Telegram && window.Telegram.WebApp;
  if (given && given.initData) return given;
  const hash = new URLSearchParams(location.hash.slice(1));
  let theme = {};
  try { theme = JSON.parse(hash.get("tgWebAppThemeParams") || "{}"); } catch (e) { theme = {}; }
  const button = document.createElement("button");
  button.id = "main-button";
  button.type = "button";
  button.hidden = true;
  document.body.appendChild(button);
  const handlers = [];
  button.addEventListener("click", () => handlers.forEach((h) => h()));
  const main = {
    setText(text) { button.textContent = text; return main; },
    show() { button.hidden = false; return main; },
    hide() { button.hidden = true; return main; },
    enable() { button.disabled = false; return main; },
    disable() { button.disabled = true; return main; },
    showProgress() { button.disabled = true; return main; },
    hideProgress() { button.disabled = false; return main; },
    onClick(h) { handlers.push(h); return main; },
    get isVisible() { return !button.hidden; },
  };
  return {
    initData: hash.get("tgWebAppData") || "",
    initDataUnsafe: {},
    themeParams: theme,
    colorScheme: matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light",
    MainButton: main,
    BackButton: { show() {}, hide() {}, onClick() {} },
    ready() {}, expand() {}, close() { history.back(); },
    onEvent() {},
  };
}

// Telegram's theme colours on the page (app.css falls back to its own).
function applyTheme(tg) {
  const root = document.documentElement;
  root.dataset.scheme = tg.colorScheme === "dark" ? "dark" : "light";
  const names = {
    bg_color: "--bg", text_color: "--text", hint_color: "--hint", link_color: "--link",
    button_color: "--button", button_text_color: "--button-text", secondary_bg_color: "--secondary-bg",
  };
  for (const [param, variable] of Object.entries(names)) {
    const value = tg.themeParams && tg.themeParams[param];
    if (value) root.style.setProperty(variable, value); else root.style.removeProperty(variable);
  }
}
