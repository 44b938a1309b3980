// The top line (instance, views) and the two bottom lines (status, keys).

import { Text } from "ink";
import type { Activity } from "../../activity.ts";
import { describeActivity } from "../../activity.ts";

export const VIEWS = ["processes", "all output", "errors", "urls"] as const;

export function Header(
  props: { name: string; view: number; counts: number[] },
) {
  return (
    <Text wrap="truncate">
      <Text bold color="yellow">buzz</Text>
      <Text>{` ${props.name}  `}</Text>
      {VIEWS.map((v, i) => (
        <Text key={v} inverse={i === props.view}>
          {` ${i + 1} ${v}${props.counts[i] ? ` (${props.counts[i]})` : ""} `}
        </Text>
      ))}
    </Text>
  );
}

export function StatusLine(props: { url: string; activity: Activity; message: string }) {
  const clients = props.activity.clients();
  const last = props.activity.recent(1)[0];
  const agents = clients.length
    ? clients.map((c) => c.sessions > 1 ? `${c.client}×${c.sessions}` : c.client).join(", ")
    : "none";
  return (
    <Text wrap="truncate">
      <Text color="green">●</Text>
      {` ${props.url}  agents: ${agents}`}
      {last && <Text color="magenta">{`  ${describeActivity(last)}`}</Text>}
      {props.message && <Text dimColor>{`  ${props.message}`}</Text>}
    </Text>
  );
}

export function KeysLine(props: { mode: "normal" | "search" | "input"; draft: string }) {
  if (props.mode === "search") {
    return (
      <Text wrap="truncate">
        <Text color="cyan">/</Text>
        {props.draft}
        <Text inverse></Text>
        <Text dimColor>Enter search · Esc cancel</Text>
      </Text>
    );
  }
  if (props.mode === "input") {
    return (
      <Text wrap="truncate" color="black" backgroundColor="yellow">
        {" TYPING INTO THE PROCESS: keys go to it · Ctrl-] returns to buzz "}
      </Text>
    );
  }
  return (
    <Text wrap="truncate" dimColor>
      {"↑↓ move s start/stop r restart / search n/N c copy tab view i type ? help q quit"}
    </Text>
  );
}
