// Each package README's API table, generated from what its public entry (dist/index.d.ts) exports and
// the doc comment of each export, so the table a user reads is the package's exports, nothing more.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ts = createRequire(import.meta.url)('typescript');

/** The packages with a README API table: every package. */
export function apiTablePackages(packagesDir) {
  return readdirSync(packagesDir).sort();
}

function kindOf(symbol) {
  const flags = symbol.flags;
  const { SymbolFlags } = ts;
  if (flags & SymbolFlags.Class) return 'class';
  if (flags & SymbolFlags.Function) return 'function';
  if (flags & SymbolFlags.Interface) return 'interface';
  if (flags & SymbolFlags.TypeAlias) return 'type';
  if (flags & SymbolFlags.ValueModule || flags & SymbolFlags.NamespaceModule) return 'namespace';
  if (flags & SymbolFlags.Enum) return 'enum';
  return 'const';
}

/** The doc comment written on an `export * as name from` line (a module has no comment of its own). */
function exportDeclarationComment(exported) {
  const declaration = exported.declarations?.[0];
  if (declaration === undefined || !ts.isNamespaceExport(declaration)) return '';
  const statement = declaration.parent;
  const text = statement.getSourceFile().text;
  const ranges = ts.getLeadingCommentRanges(text, statement.getFullStart()) ?? [];
  const last = ranges.at(-1);
  if (last === undefined) return '';
  return text
    .slice(last.pos, last.end)
    .replace(/^\/\*\*?|\*\/$/g, '')
    .replace(/^\s*\* ?/gm, '');
}

// One program over every package's public declarations: building one costs about a second.
const programs = new Map();

function programOf(packagesDir) {
  let program = programs.get(packagesDir);
  if (program === undefined) {
    const entries = apiTablePackages(packagesDir).map((pkg) => join(packagesDir, pkg, 'dist', 'index.d.ts'));
    program = ts.createProgram(entries, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      noEmit: true,
    });
    programs.set(packagesDir, program);
  }
  return program;
}

/** Name, kind and the first sentence of the doc comment of every export of `pkg`'s public entry. */
export function publicExports(packagesDir, pkg) {
  const program = programOf(packagesDir);
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(join(packagesDir, pkg, 'dist', 'index.d.ts')));
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((exported) => {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const doc = (
        ts.displayPartsToString(symbol.getDocumentationComment(checker)) || exportDeclarationComment(exported)
      )
        .replace(/\s+/g, ' ')
        .trim();
      // The first sentence: up to the first full stop that ends a sentence (not one inside `a.b`).
      const sentence = doc.match(/^.*?\.(?=\s|$)/)?.[0] ?? doc;
      return {
        name: exported.name,
        kind: kindOf(symbol),
        description: sentence.replace(/\.$/, '').replaceAll('|', '\\|'),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The Markdown table of `pkg`'s public exports. */
export function apiTable(packagesDir, pkg) {
  const rows = publicExports(packagesDir, pkg).map(
    ({ name, kind, description }) => `| \`${name}\` | ${kind} | ${description} |`,
  );
  return ['| export | kind | what it is |', '| --- | --- | --- |', ...rows].join('\n');
}
