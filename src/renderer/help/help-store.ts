/**
 * Which part of the Help screen to show: other screens open Help at a glossary term, a section or a
 * ceremony type's example plan (openHelp), and the screen remembers the plan file chosen last.
 */
import { create } from 'zustand';
import { planFileName } from '../../shared/plan-docs';
import { useApp } from '../store';

/** Every term the glossary defines, in the order it lists them: another screen links to one by its id. */
export const glossaryTermIds = [
  'cmk',
  'hsm',
  'key-version',
  'kcv',
  'oaep',
  'key-wrap',
  'wrapping-key',
  'import-token',
  'upload-bundle',
  'quorum',
  'approval',
  'check-in',
  'digest',
  'pgp-words',
  'backup-shares',
  'rehearsal-token',
  'air-gap',
  'workstation-key',
  'audit-log',
  'destroy',
] as const;
export type GlossaryTermId = (typeof glossaryTermIds)[number];

export const helpSections = ['glossary', 'roles', 'plans'] as const;
export type HelpSection = (typeof helpSections)[number];

export type HelpTopic = { term: GlossaryTermId } | { section: HelpSection } | { ceremony: string };

/** The element a topic brings into view and focuses. */
export const topicTarget = (topic: HelpTopic): string =>
  'term' in topic ? `term-${topic.term}` : 'section' in topic ? `help-${topic.section}` : 'plan-doc-heading';

interface HelpState {
  /** A topic asked for and not yet shown (the screen brings it into view, then clears it). */
  topic: HelpTopic | undefined;
  /** The docs/ceremonies file shown in the plan files section. */
  file: string;
  choose: (file: string) => void;
  shown: () => void;
}

export const useHelp = create<HelpState>((set) => ({
  topic: undefined,
  file: 'README.md',
  choose: (file) => set({ file }),
  shown: () => set({ topic: undefined }),
}));

/** Opens the Help screen, at a topic if one is given (a ceremony type: its example plan). */
export function openHelp(topic?: HelpTopic): void {
  if (topic && 'ceremony' in topic) useHelp.setState({ file: planFileName(topic.ceremony) });
  useHelp.setState({ topic });
  useApp.getState().show('help');
}
