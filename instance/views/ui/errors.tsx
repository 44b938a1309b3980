// Current errors, newest first; the selected one is shown with all its lines.

import { Box, Text } from "ink";
import type { DetectedError } from "../../supervise/supervisor.ts";
import { fit } from "./text.ts";

export function ErrorsView(
  props: { errors: DetectedError[]; selected: number; height: number },
) {
  const { errors, selected, height } = props;
  if (!errors.length) {
    return (
      <Box flexDirection="column" height={height}>
        <Text bold>errors</Text>
        <Text dimColor>no errors detected</Text>
      </Box>
    );
  }
  const listH = Math.min(errors.length, Math.max(3, Math.floor((height - 2) / 3)));
  const first = Math.max(0, Math.min(selected - listH + 1, errors.length - listH));
  const current = errors[selected];
  const detailH = Math.max(0, height - listH - 2);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate">errors ({errors.length}), newest first</Text>
      {errors.slice(first, first + listH).map((e, i) => (
        <Text key={e.id} wrap="truncate" inverse={first + i === selected}>
          {`${first + i === selected ? "▶" : " "} ${fit(e.process_id, 10)} ${
            e.time.slice(11, 19)
          } ${e.tool === "browser" ? "browser " : ""}`}
          <Text color="red">{e.message}</Text>
        </Text>
      ))}
      <Text dimColor wrap="truncate">
        {`── ${current?.process_id ?? ""} · ${current?.tool === "browser" ? "browser · " : ""}${
          current?.kind ?? ""
        }${current?.page ? ` · ${current.page}` : ""} · c copies it ──`}
      </Text>
      {(current?.lines ?? []).slice(0, detailH).map((l, i) => (
        <Text key={i} wrap="truncate">{l || " "}</Text>
      ))}
    </Box>
  );
}
