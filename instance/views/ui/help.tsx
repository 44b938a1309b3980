// Every key, on one screen.

import { Box, Text } from "ink";

export const KEYS: [string, string][] = [
  ["↑ ↓  k j", "move the selection (scripts, errors, URLs)"],
  ["PgUp PgDn  u d", "scroll the output; Home/g to the start, End/G follows again"],
  ["s", "start the selected script, or stop it if it runs"],
  ["r", "restart the selected script"],
  ["/", "search the output (Enter to search, Esc to cancel)"],
  ["n  N", "older / newer match"],
  ["c", "copy the selected error, URL or line to the clipboard (OSC 52)"],
  ["o", "open the selected script's (or URL's) browser view in your default browser"],
  ["tab  1-4", "switch view: 1 processes, 2 all output, 3 errors, 4 URLs"],
  ["i", "type into the selected process (Ctrl-] returns)"],
  ["?", "this help (any key closes it)"],
  ["q", "quit: stop every script and leave (Ctrl-C twice forces)"],
];

export function Help(props: { height: number }) {
  return (
    <Box flexDirection="column" height={props.height}>
      <Text bold>keys</Text>
      {KEYS.map(([k, what]) => (
        <Text key={k} wrap="truncate">
          <Text color="cyan">{k.padEnd(16)}</Text>
          {what}
        </Text>
      ))}
    </Box>
  );
}
