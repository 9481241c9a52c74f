/**
 * An Aho-Corasick automaton over a set of literals, ASCII case-folded: one table lookup per input
 * character finds every occurrence of every literal, however many there are. The transition table
 * is complete (a DFA), indexed by state and by character class (each character that occurs in some
 * literal has its own class; every other character is class 0, which no literal contains).
 *
 * Laid out for the scan loop, which does per character only what it must: a state is its row's
 * offset in the table (`next[state + classOf[code]]`, no multiplication), the class table covers
 * every UTF-16 unit (no range check), and the states where some literal ends come last, so one
 * comparison (`state >= firstEndingState`) tells the loop there is nothing to look up.
 */
export interface LiteralAutomaton {
  /** Transition table: `next[state + classOf[code]]` is the next state (a row offset); the start state is 0. */
  readonly next: Int32Array;
  readonly classes: number;
  /** Class of each UTF-16 unit (ASCII case-folded); units that no literal contains are class 0. */
  readonly classOf: Uint8Array;
  /** Every state from this one on has at least one literal ending there. */
  readonly firstEndingState: number;
  /** For each state (by `state / classes`), the literals (by index) that end there, longest first; empty for most. */
  readonly endings: readonly (readonly number[])[];
}

const fold = (code: number): number => (code >= 65 && code <= 90 ? code | 32 : code);

export function buildLiteralAutomaton(literals: readonly string[]): LiteralAutomaton {
  const classOf = new Uint8Array(65536);
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
  const sortedEndings = endings.map((list) => [...new Set(list)].sort(byLength));

  // States renumbered, those where a literal ends last, and each named by its row's offset.
  const order = [...sortedEndings.keys()].sort(
    (a, b) => Number(sortedEndings[a]!.length > 0) - Number(sortedEndings[b]!.length > 0) || a - b,
  );
  const renumbered = new Int32Array(order.length);
  order.forEach((state, index) => (renumbered[state] = index));
  const table = new Int32Array(next.length);
  order.forEach((state, index) => {
    for (let symbol = 0; symbol < classes; symbol++) {
      table[index * classes + symbol] = renumbered[next[state * classes + symbol]!]! * classes;
    }
  });
  const firstEnding = order.findIndex((state) => sortedEndings[state]!.length > 0);
  return {
    next: table,
    classes,
    classOf,
    firstEndingState: (firstEnding < 0 ? order.length : firstEnding) * classes,
    endings: order.map((state) => sortedEndings[state]!),
  };
}
