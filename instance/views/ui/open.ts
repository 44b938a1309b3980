// Opens a URL in the person's default browser: $BROWSER if set, else the
// platform's opener (xdg-open, open, start). Fire and forget: the UI only
// says what it asked for.

export function openInBrowser(url: string): string {
  const custom = Deno.env.get("BROWSER");
  const [cmd, ...args] = custom
    ? [custom, url]
    : Deno.build.os === "darwin"
    ? ["open", url]
    : Deno.build.os === "windows"
    ? ["cmd", "/c", "start", '""', url]
    : ["xdg-open", url];
  try {
    const child = new Deno.Command(cmd, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    child.status.catch(() => {});
    child.unref();
    return `opening ${url} in your browser (${cmd})`;
  } catch (e) {
    return `cannot open a browser with ${cmd} (${(e as Error).message}); the URL is ${url}`;
  }
}
