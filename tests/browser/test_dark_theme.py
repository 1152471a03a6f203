"""Real-browser test: notebook 03's neuron view is legible in JupyterLab's light and dark themes.

JupyterLab starts in the light theme (set through its settings folder,
`@jupyterlab/apputils-extension:themes`), runs notebook 03, and the test measures the WCAG contrast
ratio of every piece of text in the view: its computed colour against its effective background
(the first non-transparent background up the DOM, blended over the ones under it). Then it switches
to JupyterLab Dark from the Settings menu, as a student would, and measures again. Every ratio must
reach 4.5 (WCAG AA for text), and the figure must keep its opaque white background. Screenshots go
to artifacts/browser/neuron_view_light.png and neuron_view_dark.png.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.lab import ARTIFACTS, open_notebook, run_all_cells

pytestmark = pytest.mark.slow

LAB_NOTEBOOKS = ["03_queries_keys_softmax.ipynb"]
VIEW = ".bertlib-neuron-view"
WCAG_AA = 4.5

#: For every visible element of the view that shows text: its colour, its effective background
#: and their contrast ratio (WCAG 2's relative luminance).
MEASURE_CONTRAST = """
view => {
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const over = (top, under) => { const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); };
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];  // the canvas under everything
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const luminance = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const results = [];
  for (const el of view.querySelectorAll('*')) {
    if (el.tagName === 'OPTION' || !el.getClientRects().length || !el.checkVisibility()) continue;
    const own = Array.from(el.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
    const text = el.tagName === 'SELECT' ? el.options[el.selectedIndex].text : own;
    if (!text) continue;
    const style = getComputedStyle(el);
    const bg = background(el);
    const fg = over(parse(style.color), bg);
    const [light, dark] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    results.push({text: text.slice(0, 40), tag: el.tagName, ratio: (light + 0.05) / (dark + 0.05),
                  color: style.color, background: 'rgb(' + bg.slice(0, 3).map(Math.round).join(',') + ')'});
  }
  return results;
}
"""

#: The figure's top-left pixel, read through a canvas: [r, g, b, alpha].
FIGURE_CORNER = """
img => { const canvas = document.createElement('canvas'); canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight; const context = canvas.getContext('2d'); context.drawImage(img, 0, 0);
  return Array.from(context.getImageData(2, 2, 1, 1).data); }
"""


def set_theme_setting(lab, theme: str) -> None:
    """Write JupyterLab's theme setting into the server's (throw-away) user settings folder."""
    folder = lab.root.parent / "settings" / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "themes.jupyterlab-settings").write_text(json.dumps({"theme": theme}))


def dismiss_news_toast(page) -> None:
    """JupyterLab asks once whether to fetch news; answer No so the toast covers no screenshot."""
    toast = page.locator(".jp-toast-button", has_text=re.compile(r"^No$"))
    if toast.count():
        toast.first.click()


def measure(page, name: str) -> list[dict]:
    dismiss_news_toast(page)
    view = page.locator(VIEW).first
    view.scroll_into_view_if_needed()
    # Open the text twin's table, so that its cells are measured too.
    view.locator("details summary").first.click()
    page.wait_for_timeout(300)
    view.screenshot(path=str(ARTIFACTS / f"neuron_view_{name}.png"))
    results = view.evaluate(MEASURE_CONTRAST)
    corner = page.locator(f"{VIEW}-image").first.evaluate(FIGURE_CORNER)
    assert corner == [255, 255, 255, 255], f"{name} theme: the figure's background is not opaque white: {corner}"
    view.locator("details summary").first.click()  # fold it again
    return results


def test_neuron_view_text_has_contrast_in_light_and_dark_themes(jupyter_lab, page, external_requests):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    set_theme_setting(jupyter_lab, "JupyterLab Light")
    open_notebook(page, jupyter_lab, LAB_NOTEBOOKS[0])
    page.wait_for_selector("body[data-jp-theme-name='JupyterLab Light']", state="attached", timeout=30_000)
    run_all_cells(page, timeout_s=180)
    view = page.locator(VIEW).first
    view.wait_for(state="attached", timeout=30_000)
    view.scroll_into_view_if_needed()  # JupyterLab leaves cells out of view unrendered
    assert page.locator(f"{VIEW} .jupyter-widgets-error-widget").count() == 0, "a part of the view failed"
    page.locator(f"{VIEW}-image").first.wait_for(state="visible", timeout=30_000)
    light = measure(page, "light")

    page.get_by_role("menuitem", name="Settings", exact=True).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).first.hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^JupyterLab Dark$")).first.click()
    page.wait_for_selector("body[data-jp-theme-name='JupyterLab Dark']", state="attached", timeout=30_000)
    page.wait_for_timeout(1000)  # the theme's CSS is swapped in after the attribute changes
    dark = measure(page, "dark")

    for name, results in (("light", light), ("dark", dark)):
        texts = {r["text"] for r in results}
        assert {"sentence", "layer", "head", "query"} <= texts, f"{name}: the controls' labels were not measured"
        assert any(r["tag"] == "TD" for r in results), f"{name}: the text twin's table was not measured"
        low = [r for r in results if r["ratio"] < WCAG_AA]
        assert low == [], f"{name} theme: text below {WCAG_AA}:1 contrast: {low[:5]}"
    assert {r["background"] for r in light} != {r["background"] for r in dark}, "the theme did not change"
    assert external_requests == []
