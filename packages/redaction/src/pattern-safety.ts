/**
 * Why a regex source is unfit for the rule set, or undefined when it is fine. A pattern must run
 * in bounded time per start position under V8's backtracking engine (no `*`, `+` or `{n,}`) and
 * must mean the same in Go's RE2, where the Collector runs it (no lookaround, no backreferences).
 */
export function patternProblem(source: string): string | undefined {
  for (let index = 0; index < source.length; index++) {
    const character = source[index];
    if (character === '\\') {
      const escaped = source[index + 1] ?? '';
      if (/[1-9k]/.test(escaped)) return `backreference \\${escaped} (RE2 has none)`;
      index++;
    } else if (character === '[') {
      index = classEnd(source, index);
      if (index < 0) return 'unterminated character class';
    } else if (character === '(' && source[index + 1] === '?') {
      const group = source.slice(index, index + 4);
      if (/^\(\?(?:=|!|<=|<!)/.test(group)) return `lookaround ${group} (RE2 has none)`;
      if (/^\(\?</.test(group)) return 'named group (use a plain group)';
    } else if (character === '*' || character === '+') {
      return `unbounded quantifier "${character}" at ${index}: use {0,n} / {1,n}`;
    } else if (character === '{') {
      const quantifier = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(index));
      if (quantifier?.[2] !== undefined && quantifier[3] === '') {
        return `unbounded quantifier "${quantifier[0]}" at ${index}: give an upper bound`;
      }
    }
  }
  return undefined;
}

function classEnd(source: string, open: number): number {
  for (let index = open + 1; index < source.length; index++) {
    if (source[index] === '\\') index++;
    else if (source[index] === ']' && index > open + 1) return index;
  }
  return -1;
}

/** `literal` as regex source, escaped so that V8 and RE2 both read it literally. */
export const escapeRegExp = (literal: string): string => literal.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
