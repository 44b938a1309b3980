// The terminal UI: one more view over the Supervisor's state and the agents'
// activity. It reads both on every frame and sends commands; it owns only what
// is on screen (selection, scroll, search, the current view).

import { useEffect, useMemo, useRef, useState } from "react";
import { Box, type Key, useInput, useStdin } from "ink";
import type { Activity } from "../../activity.ts";
import type { ScriptInfo, Supervisor } from "../../supervise/supervisor.ts";
import { setLogSink } from "../../../shared/log.ts";
import { canType, restart, toggle } from "./actions.ts";
import { Header, KeysLine, StatusLine, VIEWS } from "./bars.tsx";
import { copyToClipboard } from "./clipboard.ts";
import { openInBrowser } from "./open.ts";
import { ErrorsView } from "./errors.tsx";
import { Help } from "./help.tsx";
import { ProcessList } from "./list.tsx";
import { LogView } from "./logview.tsx";
import { scriptRows, useLiveState, useRefresh, useTerminalSize } from "./model.ts";
import type { UrlRow } from "./urls.tsx";
import { UrlsView } from "./urls.tsx";
import { centerOn, logWindow, scrolled, top } from "./window.ts";

export interface AppProps {
  sup: Supervisor;
  scripts: ScriptInfo[];
  activity: Activity;
  url: string;
  name: string;
  quit: () => void;
}

interface Search {
  query: string;
  hits: number[];
  index: number;
}

export function App(props: AppProps) {
  const { sup, activity } = props;
  const version = useRefresh(sup, activity);
  const { columns, rows: termRows } = useTerminalSize();
  // Handlers read the .current refs: the latest key's change, not the last frame's.
  const [view, setView, viewNow] = useLiveState(0);
  const [selected, setSelected, selectedNow] = useLiveState(0);
  const [errSel, setErrSel, errSelNow] = useLiveState(0);
  const [urlSel, setUrlSel, urlSelNow] = useLiveState(0);
  const [anchor, setAnchor, anchorNow] = useLiveState<number | null>(null);
  const [mode, setMode, modeNow] = useLiveState<"normal" | "search" | "input">("normal");
  const [draft, setDraft, draftNow] = useLiveState("");
  const [search, setSearch, searchNow] = useLiveState<Search | null>(null);
  const [help, setHelp, helpNow] = useLiveState(false);
  const [message, setMessage] = useState("");
  const quitting = useRef(false);

  // buzz's own diagnostics go to the status line while the UI owns the screen.
  useEffect(() => {
    const previous = setLogSink((level, text) => setMessage(`${level}: ${text}`));
    return () => void setLogSink(previous);
  }, []);

  // Layout: header, content, status, keys; one row spare so Ink never clears the screen.
  const rows = Math.max(8, termRows - 1);
  const contentH = rows - 3;
  const scriptList = scriptRows(sup.scripts, sup.runs(), sup.waiting());
  const errors = sup.errors({ limit: 200 });
  const urls: UrlRow[] = sup.runs().flatMap((r) =>
    r.urls.map((url) => ({
      process_id: r.process_id,
      url,
      running: r.state === "running",
      browser: r.browser_urls[url],
    }))
  );
  const listH = Math.min(scriptList.length + 1, Math.max(3, Math.floor(contentH * 0.4)));
  /** What the output pane shows for a view and selection: one run's log, or all runs' merged. */
  const target = (v: number, selectedIndex: number) => {
    const row = scriptList[clamp(selectedIndex, scriptList.length)];
    const pid = v === 0 ? row?.run?.process_id : undefined;
    return {
      row,
      pid,
      height: v === 0 ? contentH - listH - 1 : contentH - 1,
      has: v === 1 || pid !== undefined,
    };
  };
  const shown = target(view, selected);
  const live = () => target(viewNow.current, selectedNow.current);
  // Scrolled, the window stays put while output arrives: no need to read it again.
  const lines = useMemo(
    () => shown.has ? logWindow(sup, shown.pid, shown.height, anchor) : [],
    [shown.has, shown.pid, shown.height, anchor, anchor === null ? version : -1],
  );

  const say = (p: Promise<string>) =>
    p.then(setMessage, (e) => setMessage(`error: ${(e as Error).message}`));
  const resetScroll = () => {
    setAnchor(null);
    setSearch(null);
  };
  const showView = (v: number) => {
    setView((v + VIEWS.length) % VIEWS.length);
    resetScroll();
  };
  const move = (delta: number) => {
    const v = viewNow.current;
    if (v === 2) setErrSel(clamp(errSelNow.current + delta, errors.length));
    else if (v === 3) setUrlSel(clamp(urlSelNow.current + delta, urls.length));
    else {
      setSelected(clamp(selectedNow.current + delta, scriptList.length));
      resetScroll();
    }
  };
  const scroll = (delta: number) => {
    const t = live();
    if (t.has) setAnchor(scrolled(sup, t.pid, t.height, anchorNow.current, delta));
  };
  const jump = (found: Search, index: number) => {
    const t = live();
    const i = clamp(index, found.hits.length);
    setSearch({ ...found, index: i });
    setAnchor(centerOn(sup, t.pid, t.height, found.hits[i]));
    setMessage(`match ${i + 1}/${found.hits.length} for "${found.query}"`);
  };
  const runSearch = (query: string) => {
    if (!query) return setSearch(null);
    if (viewNow.current > 1) showView(0);
    const t = live();
    const hits = t.has
      ? sup.search({ query, processId: t.pid, limit: 100_000 }).map((l) => l.seq)
      : [];
    if (!hits.length) {
      setSearch(null);
      return setMessage(`no match for "${query}"`);
    }
    jump({ query, hits, index: hits.length - 1 }, hits.length - 1);
  };
  const copy = () => {
    let text: string | undefined;
    const v = viewNow.current;
    if (v === 2) text = errors[clamp(errSelNow.current, errors.length)]?.lines.join("\n");
    else if (v === 3) text = urls[clamp(urlSelNow.current, urls.length)]?.url;
    else {
      const found = searchNow.current;
      const hit = found && lines.find((l) => l.seq === found.hits[found.index]);
      text = (hit ?? lines.at(-1))?.plain;
    }
    if (!text) return setMessage("nothing to copy");
    copyToClipboard(text);
    setMessage(`copied ${text.length} characters to the clipboard`);
  };
  /** The selected URL's browser view (URLs view), or the selected script's first one. */
  const open = () => {
    let url: string | undefined;
    if (viewNow.current === 3) {
      const row = urls[clamp(urlSelNow.current, urls.length)];
      url = row?.browser ?? row?.url;
    } else {
      const script = live().row?.script.name;
      const run = sup.runs().filter((r) => r.script === script).at(-1);
      url = run && (Object.values(run.browser_urls)[0] ?? run.urls[0]);
    }
    setMessage(url ? openInBrowser(url) : "no URL to open: the selected script printed none");
  };
  const quit = () => {
    setMessage(quitting.current ? "forcing" : "stopping every script… (Ctrl-C again forces)");
    quitting.current = true;
    props.quit();
  };

  const onKey = (input: string, key: Key): void => {
    if (key.ctrl && input === "c") return quit();
    if (helpNow.current) return setHelp(false);
    if (modeNow.current === "search") {
      if (key.escape) return setMode("normal");
      if (key.return) {
        setMode("normal");
        return runSearch(draftNow.current);
      }
      if (key.backspace || key.delete) return setDraft(draftNow.current.slice(0, -1));
      if (!key.ctrl && !key.meta && input) setDraft(draftNow.current + input);
      return;
    }
    const t = live();
    if (key.upArrow || input === "k") return move(-1);
    if (key.downArrow || input === "j") return move(1);
    if (key.pageUp || input === "u") return scroll(-Math.max(1, t.height - 1));
    if (key.pageDown || input === "d") return scroll(Math.max(1, t.height - 1));
    if (key.home || input === "g") return setAnchor(top(sup, t.pid, t.height));
    if (key.end || input === "G" || input === "f") return resetScroll();
    if (key.tab) return showView(viewNow.current + (key.shift ? -1 : 1));
    if (/^[1-4]$/.test(input)) return showView(Number(input) - 1);
    if (key.escape) return resetScroll();
    const found = searchNow.current;
    switch (input) {
      case "q":
        return quit();
      case "?":
        return setHelp(true);
      case "s":
        if (t.row && viewNow.current === 0) say(toggle(sup, t.row));
        return;
      case "r":
        if (t.row && viewNow.current === 0) say(restart(sup, t.row));
        return;
      case "/":
        setDraft("");
        return setMode("search");
      case "n":
        if (found) jump(found, found.index - 1);
        return;
      case "N":
        if (found) jump(found, found.index + 1);
        return;
      case "c":
      case "y":
        return copy();
      case "o":
        return open();
      case "i": {
        const why = canType(t.row?.run);
        if (why) return setMessage(why);
        setView(0);
        return setMode("input");
      }
    }
  };
  useInput((input, key) => {
    // Keys typed faster than a frame can arrive as one string; each counts.
    if (input.length > 1 && !key.ctrl && !key.meta) {
      for (const ch of input) {
        const enter = ch === "\r" || ch === "\n";
        const back = ch === "\x7f" || ch === "\b";
        onKey(enter || back ? "" : ch, {
          ...key,
          return: enter,
          backspace: back,
          tab: ch === "\t",
          shift: /[A-Z]/.test(ch),
        });
      }
    } else onKey(input, key);
  }, { isActive: mode !== "input" });

  // Pass-through: raw bytes to the selected process until Ctrl-] (0x1d).
  const { internal_eventEmitter: stdinEvents, setRawMode } = useStdin();
  useEffect(() => {
    if (mode !== "input") return;
    // useInput is off meanwhile; this keeps the terminal raw and Ink reading it.
    setRawMode(true);
    const pid = shown.pid;
    const onData = (data: string) => {
      if (data === "\x1d" || !pid) return setMode("normal");
      try {
        sup.input(pid, data);
      } catch (e) {
        setMessage(`cannot type into ${pid}: ${(e as Error).message}`);
        setMode("normal");
      }
    };
    stdinEvents.on("input", onData);
    return () => {
      stdinEvents.off("input", onData);
      setRawMode(false);
    };
  }, [mode, shown.pid]);

  const title = view === 1
    ? "all output"
    : shown.pid
    ? `output of ${shown.pid}`
    : `${shown.row?.script.name ?? ""} has not run yet`;
  const now = Date.now();
  return (
    <Box flexDirection="column" height={rows} width={columns}>
      <Header
        name={props.name}
        view={view}
        counts={[0, 0, errors.length, urls.length]}
      />
      {help ? <Help height={contentH} /> : (
        <Box flexDirection="column" height={contentH}>
          {view === 0 && (
            <ProcessList
              rows={scriptList}
              selected={clamp(selected, scriptList.length)}
              height={listH}
              now={now}
            />
          )}
          {view <= 1 && (
            <LogView
              title={title}
              lines={lines}
              height={shown.height + 1}
              tagged={view === 1}
              match={search?.hits[search.index]}
              query={search?.query}
              following={anchor === null}
            />
          )}
          {view === 2 && (
            <ErrorsView
              errors={errors}
              selected={clamp(errSel, errors.length)}
              height={contentH}
            />
          )}
          {view === 3 && (
            <UrlsView urls={urls} selected={clamp(urlSel, urls.length)} height={contentH} />
          )}
        </Box>
      )}
      <StatusLine url={props.url} activity={activity} message={message} />
      <KeysLine mode={mode} draft={draft} />
    </Box>
  );
}

function clamp(i: number, n: number): number {
  return Math.max(0, Math.min(i, n - 1));
}
