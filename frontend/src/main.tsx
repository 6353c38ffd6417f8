import { render } from "preact";
import { App } from "./app";
import { interceptLinks } from "./router";
import { restore } from "./session";
import { applyTheme, savedTheme } from "./theme";
import "./styles.css";

applyTheme(savedTheme());
restore();
const root = document.getElementById("app");
if (root) {
  interceptLinks(document.body);
  render(<App />, root);
}
