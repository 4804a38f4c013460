/** docs/providers.md is what the provider modules declare: rewritten by `npm run provider-docs`, checked here. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { providersMarkdown } from '../../src/main/providers/provider-docs';
import { providerIds, providerNames } from '../../src/shared/providers';

const file = 'docs/providers.md';

describe('docs/providers.md', () => {
  it('is written from the provider modules', () => {
    const markdown = providersMarkdown();
    if (process.env.KEYWARD_WRITE_PROVIDER_DOCS === '1') writeFileSync(file, markdown);
    expect(existsSync(file), `${file} is missing: npm run provider-docs writes it`).toBe(true);
    expect(readFileSync(file, 'utf8'), `${file} differs from the modules: npm run provider-docs rewrites it`).toBe(
      markdown,
    );
  });

  it('has a table per provider: key types, wraps, the source of each rule, and the commands', () => {
    const markdown = providersMarkdown();
    for (const id of providerIds) {
      const section = markdown.split(`## ${providerNames[id]}\n`)[1]?.split('\n## ')[0] ?? '';
      expect(section, id).toContain('| Key type | Name at the provider |');
      expect(section, id).toContain('| Wrap | Name at the provider | Wrapping key |');
      expect(section, id).toContain('| Rule | Source |');
      expect(section, id).toContain('Permission: ');
      expect(section, id).toContain('Check after upload:');
    }
  });
});
