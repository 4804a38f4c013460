/// <reference types="vite/client" />
/**
 * The ceremony docs (docs/ceremonies), put into the renderer's bundle when the app is built (Vite's
 * `import.meta.glob`, each file `?raw`), so that the Help screen shows them on the workstation: nothing
 * is read from disk or a network when it runs. Every Markdown and YAML file of that folder is taken, a new
 * one too (test/unit/help-docs.test.ts checks the list against the folder).
 */
const texts = import.meta.glob<string>('../../../docs/ceremonies/*.{md,yaml}', {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** Each file's text by its name in docs/ceremonies. */
export const ceremonyDocFiles: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(texts).map(([path, text]) => [path.slice(path.lastIndexOf('/') + 1), text]),
);
