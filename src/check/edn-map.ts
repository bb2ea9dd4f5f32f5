import { HistoryParseError } from './errors.js';

/** A value of the flat EDN maps Jepsen writes: a keyword (kept with its colon), string, integer, nil or vector. */
export type EdnValue = string | number | null | { readonly keyword: string } | readonly EdnValue[];

/**
 * Reads one flat EDN map such as `{:process 9, :type :invoke, :f :get, :key "1", :value nil}`: keyword keys
 * (returned without the colon), and values that are keywords, strings, integers, nil or vectors of those. This is
 * the subset Jepsen's history lines use, and no more: anything else is a `HistoryParseError` naming `line`.
 */
export function parseEdnMap(text: string, line: number): Map<string, EdnValue> {
  let at = 0;
  const fail = (what: string): never => {
    throw new HistoryParseError(line, `${what} at column ${at + 1} in ${JSON.stringify(text)}`);
  };
  // EDN treats commas as whitespace.
  const skipSpace = (): void => {
    while (at < text.length && /[\s,]/.test(text[at] ?? '')) at++;
  };
  const readSymbol = (): string => {
    const start = at;
    while (at < text.length && /[^\s,{}[\]"]/.test(text[at] ?? '')) at++;
    return text.slice(start, at);
  };
  const readValue = (): EdnValue => {
    skipSpace();
    const c = text[at];
    if (c === undefined) return fail('expected a value');
    if (c === '"') {
      let out = '';
      at++;
      for (;;) {
        const ch = text[at++];
        if (ch === undefined) return fail('unterminated string');
        if (ch === '"') return out;
        if (ch === '\\') {
          const esc = text[at++];
          const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
          const decoded = esc === undefined ? undefined : escapes[esc];
          if (decoded === undefined) return fail('unknown escape in string');
          out += decoded;
        } else out += ch;
      }
    }
    if (c === '[') {
      at++;
      const items: EdnValue[] = [];
      for (;;) {
        skipSpace();
        if (text[at] === ']') {
          at++;
          return items;
        }
        items.push(readValue());
      }
    }
    const symbol = readSymbol();
    if (symbol.startsWith(':') && symbol.length > 1) return { keyword: symbol.slice(1) };
    if (symbol === 'nil') return null;
    if (/^-?\d+$/.test(symbol)) return Number(symbol);
    return fail(
      symbol === ''
        ? `expected a value, found ${JSON.stringify(c)}`
        : `unknown value ${JSON.stringify(symbol)}`,
    );
  };

  skipSpace();
  if (text[at] !== '{') fail('expected "{"');
  at++;
  const map = new Map<string, EdnValue>();
  for (;;) {
    skipSpace();
    if (text[at] === '}') {
      at++;
      break;
    }
    const key = readValue();
    if (typeof key !== 'object' || key === null || !('keyword' in key)) return fail('expected a keyword key');
    if (map.has(key.keyword)) fail(`duplicate key :${key.keyword}`);
    map.set(key.keyword, readValue());
  }
  skipSpace();
  if (at !== text.length) fail('trailing text after "}"');
  return map;
}

/** The keyword `value` names, or undefined if it is not a keyword. */
export function keywordOf(value: EdnValue | undefined): string | undefined {
  return typeof value === 'object' && value !== null && 'keyword' in value ? value.keyword : undefined;
}
