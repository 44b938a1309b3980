// What a tab on a proxied URL shows while the dev server behind it does not
// answer: which script serves it and what that script is doing, and it loads
// the page again by itself once the server answers.

/** Asked by the down page; 200 once the dev server accepts connections, else 503. */
export const UP_PATH = "/__buzz/up";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function downPage(opts: { script: string; upstream: string; state: string }): string {
  const script = escapeHtml(opts.script);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${script} is not answering · buzz</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:15vh auto;max-width:40em;padding:0 1em;color:#222}
code{background:#eee;padding:0 .3em;border-radius:3px}.dim{color:#777}
</style></head><body>
<h1>${script} is not answering</h1>
<p>buzz serves this page from <code>${escapeHtml(opts.upstream)}</code>, which the script
<code>${script}</code> runs. Right now: <b id="state">${escapeHtml(opts.state)}</b>.</p>
<p class="dim">This page loads the app again as soon as it answers.
Start or restart <code>${script}</code> from buzz (the <code>s</code> and <code>r</code> keys),
or ask your agent to.</p>
<script>
(function check(){fetch(${JSON.stringify(UP_PATH)},{cache:"no-store"}).then(function(r){
if(r.status===200)return location.reload();return r.text().then(function(t){
if(t)document.getElementById("state").textContent=t;setTimeout(check,500)})},
function(){setTimeout(check,1000)})})();
</script>
</body></html>
`;
}
