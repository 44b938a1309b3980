// URLs the runs printed, one row per URL.

import { Box, Text } from "ink";
import { fit } from "./text.ts";

export interface UrlRow {
  process_id: string;
  url: string;
  running: boolean;
  /** Its browser view (the proxied URL), if it has one. */
  browser?: string;
}

export function UrlsView(props: { urls: UrlRow[]; selected: number; height: number }) {
  const { urls, selected, height } = props;
  const first = Math.max(0, Math.min(selected - height + 2, urls.length - height + 1));
  return (
    <Box flexDirection="column" height={height}>
      <Text bold>urls</Text>
      {urls.length === 0 && <Text dimColor>no URLs printed yet</Text>}
      {urls.some((u) => u.browser) && (
        <Text dimColor wrap="truncate">
          pages opened at a browser view report their errors and console to the agent (o opens it)
        </Text>
      )}
      {urls.slice(first, first + height - 1).map((u, i) => (
        <Text key={`${u.process_id} ${u.url}`} wrap="truncate" inverse={first + i === selected}>
          {`${first + i === selected ? "▶" : " "} ${fit(u.process_id, 12)} `}
          <Text color={u.running ? "cyan" : "gray"}>{u.url}</Text>
          {u.browser && (
            <>
              {"  browser view "}
              <Text color={u.running ? "green" : "gray"}>{u.browser}</Text>
            </>
          )}
          {u.running ? "" : "  (run ended)"}
        </Text>
      ))}
    </Box>
  );
}
