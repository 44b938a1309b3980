// A window of log lines: one run's (tagged by nothing) or every run's merged
// (each line tagged with its process id in that script's colour). Colours of
// the child's own output are kept; the current search match is inverted.

import { Box, Text } from "ink";
import type { TailedLine } from "../../supervise/supervisor.ts";
import { colorFor, scriptOf } from "../console.ts";
import { drawable } from "./text.ts";

export function LogView(
  props: {
    title: string;
    lines: TailedLine[];
    height: number;
    tagged: boolean;
    /** Seq of the current search match. */
    match?: number;
    query?: string;
    following: boolean;
  },
) {
  const { lines, height, tagged, match, following } = props;
  const needle = props.query?.toLowerCase();
  const tag = (l: TailedLine) => l.source ? `${l.process_id} ${l.source}` : l.process_id;
  const tagW = tagged ? Math.max(6, ...lines.map((l) => tag(l).length)) : 0;
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate">
        <Text bold>{props.title}</Text>
        <Text dimColor>
          {following ? "  following" : "  scrolled: End or G follows"}
        </Text>
      </Text>
      {lines.length === 0 && <Text dimColor>no output yet</Text>}
      {lines.map((l) => {
        const hit = needle && l.plain.toLowerCase().includes(needle);
        return (
          <Text key={l.seq} wrap="truncate">
            {tagged && (
              <Text color={ansi256(colorFor(scriptOf(l.process_id)))}>
                {tag(l).padEnd(tagW)} │{" "}
              </Text>
            )}
            {!tagged && l.source && <Text dimColor>{`${l.source} │ `}</Text>}
            {l.seq === match
              ? <Text inverse>{l.plain || " "}</Text>
              : hit
              ? <Text color="yellow">{l.plain}</Text>
              : drawable(l.text)}
          </Text>
        );
      })}
    </Box>
  );
}

/** Ink takes colour names, hex or ansi256(n). */
function ansi256(n: number): string {
  return `ansi256(${n})`;
}
