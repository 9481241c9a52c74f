// Relative links in the repository's Markdown point at files that exist: documentation moves between
// README.md, docs/ and the package READMEs, and a link left behind would send a reader nowhere.
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..', '..');

const markdownFiles = [
  'README.md',
  'CONTRIBUTING.md',
  ...['docs', 'collector-config', 'rules', 'examples', 'bench']
    .filter((dir) => existsSync(join(repoRoot, dir)))
    .flatMap((dir) =>
      readdirSync(join(repoRoot, dir))
        .filter((file) => file.endsWith('.md'))
        .map((file) => join(dir, file)),
    ),
  ...readdirSync(join(repoRoot, 'packages'))
    .map((pkg) => join('packages', pkg, 'README.md'))
    .filter((file) => existsSync(join(repoRoot, file))),
];

/** The relative link targets of `markdown` that name no existing file, resolved from `file`'s folder. */
function brokenLinks(file: string, markdown: string): string[] {
  const code = markdown.replaceAll(/```[\s\S]*?```/g, '');
  return [...code.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^(https?:|mailto:|#)/.test(target))
    .filter((target) => !existsSync(join(repoRoot, dirname(file), target.split('#')[0]!)));
}

describe('Markdown links', () => {
  it('finds the documents', () => {
    expect(markdownFiles).to.include.members(['README.md', join('docs', 'configuration.md')]);
  });

  for (const file of markdownFiles) {
    it(`${file}: every relative link resolves`, () => {
      expect(brokenLinks(file, readFileSync(join(repoRoot, file), 'utf8'))).to.deep.equal([]);
    });
  }

  it('control: a link to a missing file is reported', () => {
    expect(brokenLinks('docs/x.md', 'see [a](attributes.md) and [b](../README.md#x) and [c](gone.md)')).to.deep.equal([
      'gone.md',
    ]);
  });
});
