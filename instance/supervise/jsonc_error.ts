// A JSONC syntax error in words a person fixes it from: where (line and
// column), what the parser expected there, and what it found instead, rather
// than jsonc-parser's own code ("InvalidSymbol").

import { type ParseError, printParseErrorCode } from "jsonc-parser";

const EXPECTED: Record<string, string> = {
  InvalidSymbol: "expected JSON here (strings and keys go in double quotes)",
  InvalidNumberFormat: "expected a number",
  PropertyNameExpected: "expected a key in double quotes",
  ValueExpected:
    "expected a value (a string in double quotes, a number, true, false, null, {…} or […])",
  ColonExpected: 'expected ":" after the key',
  CommaExpected: 'expected "," between two entries',
  CloseBraceExpected: 'expected "}" to close the object (or "," before the next key)',
  CloseBracketExpected: 'expected "]" to close the list (or "," before the next item)',
  EndOfFileExpected: "expected the end of the file after the top-level object",
  InvalidCommentToken: "expected // or /* to start a comment",
  UnexpectedEndOfComment: "expected */ to close the comment",
  UnexpectedEndOfString: 'expected " to close the string',
  UnexpectedEndOfNumber: "expected digits to end the number",
  InvalidUnicode: "expected four hex digits after \\u",
  InvalidEscapeCharacter: 'expected an escape like \\n, \\" or \\\\ after the backslash',
  InvalidCharacter: "expected no control character (a tab or new line) inside a string",
};

/** Line and column (both from 1) of a UTF-16 offset in text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: offset - lineStart + 1 };
}

/** `buzz.json line 20, column 5: expected "," between two entries (found "api")`. */
export function describeSyntaxError(file: string, text: string, e: ParseError): string {
  const { line, column } = lineColumn(text, e.offset);
  const code = printParseErrorCode(e.error);
  const expected = EXPECTED[code] ?? `not valid JSON(C) (${code})`;
  const token = text.slice(e.offset, e.offset + Math.max(e.length, 1)).split("\n")[0].trim();
  const found = e.offset >= text.length
    ? "found the end of the file"
    : token
    ? `found ${quote(token.length > 30 ? `${token.slice(0, 30)}…` : token)}`
    : "found a line break";
  return `${file} line ${line}, column ${column}: ${expected}; ${found}`;
}

function quote(token: string): string {
  return token.startsWith('"') ? token : `"${token}"`;
}
