/**
 * An Aho-Corasick automaton over a set of literals, ASCII case-folded: one table lookup per input
 * character finds every occurrence of every literal, however many there are. The transition table
 * is complete (a DFA), indexed by state and by character class (each character that occurs in some
 * literal has its own class; every other character is class 0, which no literal contains).
 */
export interface LiteralAutomaton {
  /** Transition table: `next[state * classes + classOf(code)]`. */
  readonly next: Int32Array;
  readonly classes: number;
  /** Class of each ASCII code (case-folded); codes >= 128 are class 0. */
  readonly classOf: Uint8Array;
  /** For each state, the literals (by index) that end there, longest first; empty for most. */
  readonly endings: readonly (readonly number[])[];
}

const fold = (code: number): number => (code >= 65 && code <= 90 ? code | 32 : code);

export function buildLiteralAutomaton(literals: readonly string[]): LiteralAutomaton {
  const classOf = new Uint8Array(128);
  let classes = 1;
  for (const literal of literals) {
    for (let index = 0; index < literal.length; index++) {
      const code = fold(literal.charCodeAt(index));
      if (code >= 128) throw new Error(`credential literal "${literal}" is not ASCII`);
      if (classOf[code] === 0) classOf[code] = classes++;
    }
  }
  for (let code = 65; code <= 90; code++) classOf[code] = classOf[code | 32]!;

  // The trie.
  const children: Map<number, number>[] = [new Map()];
  const endings: number[][] = [[]];
  literals.forEach((literal, literalIndex) => {
    let state = 0;
    for (let index = 0; index < literal.length; index++) {
      const symbol = classOf[fold(literal.charCodeAt(index))]!;
      let child = children[state]!.get(symbol);
      if (child === undefined) {
        child = children.length;
        children.push(new Map());
        endings.push([]);
        children[state]!.set(symbol, child);
      }
      state = child;
    }
    endings[state]!.push(literalIndex);
  });

  // Failure links, breadth first, folded into a complete transition table.
  const next = new Int32Array(children.length * classes);
  const failure = new Int32Array(children.length);
  const queue: number[] = [];
  for (let symbol = 0; symbol < classes; symbol++) {
    const child = children[0]!.get(symbol);
    if (child !== undefined) {
      next[symbol] = child;
      queue.push(child);
    }
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    endings[state]!.push(...endings[failure[state]!]!);
    for (let symbol = 0; symbol < classes; symbol++) {
      const child = children[state]!.get(symbol);
      const fallback = next[failure[state]! * classes + symbol]!;
      if (child === undefined) {
        next[state * classes + symbol] = fallback;
      } else {
        next[state * classes + symbol] = child;
        failure[child] = fallback;
        queue.push(child);
      }
    }
  }
  const byLength = (a: number, b: number): number => literals[b]!.length - literals[a]!.length;
  return { next, classes, classOf, endings: endings.map((list) => [...new Set(list)].sort(byLength)) };
}
