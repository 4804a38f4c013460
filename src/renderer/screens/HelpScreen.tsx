/**
 * Help, readable on the air-gapped workstation: the glossary, the officers' roles with who approves each
 * ceremony (from the catalogue the main process declares), and the example plan files of docs/ceremonies,
 * built into the app. Nothing here is read from a drive or a network.
 */
import { useEffect } from 'react';
import { quorumNeeded, type CeremonyCatalogueEntry } from '../../shared/ceremony-types';
import { countsTowardsQuorum, officerRoles, roleNames, type OfficerRole } from '../../shared/officers';
import { docIndex, inlineRuns, markdownBlocks, planSummary, type DocBlock } from '../../shared/plan-docs';
import { useCatalogue } from '../ceremony/ceremony-types';
import { roleLabels } from '../format';
import { ceremonyDocFiles } from '../help/ceremony-docs';
import { Glossary, TermLink } from '../help/Glossary';
import { openHelp, topicTarget, useHelp, type HelpSection } from '../help/help-store';
import type { Loadable } from '../loadable';
import { useApp } from '../store';

/** What the Ceremonies screen calls running a plan file. */
const planFileChoice = 'Run a plan file from a drive';

const roleWords: Record<OfficerRole, string> = {
  'security-officer':
    'Governs the workstation and its officers (enrolling, suspending and removing them, the quorum policies, the HSM module) and takes part in key ceremonies. Only a security officer may acknowledge the air-gap findings.',
  'key-custodian':
    'Looks after the keys: takes part in the ceremonies that make, export, back up, restore and destroy them.',
  auditor: 'Checks what was done: the audit log and its checkpoints, the transcripts, bundles and certificates.',
};

const sections: { id: HelpSection; title: string }[] = [
  { id: 'glossary', title: 'Glossary' },
  { id: 'roles', title: "Officers' roles" },
  { id: 'plans', title: 'Ceremony plan files' },
];

function Inline({ text }: { text: string }) {
  return (
    <>
      {inlineRuns(text).map((run, i) => (run.code ? <code key={i}>{run.text}</code> : <span key={i}>{run.text}</span>))}
    </>
  );
}

/** The README's blocks, its headings below the doc's own (h3). */
function Markdown({ blocks }: { blocks: DocBlock[] }) {
  return (
    <>
      {blocks.map((block, i) => {
        switch (block.kind) {
          case 'heading': {
            const Heading = block.level <= 1 ? 'h4' : block.level === 2 ? 'h5' : 'h6';
            return (
              <Heading key={i}>
                <Inline text={block.text} />
              </Heading>
            );
          }
          case 'paragraph':
            return (
              <p key={i}>
                <Inline text={block.text} />
              </p>
            );
          case 'code':
            return (
              <pre key={i} className="help-code">
                {block.text}
              </pre>
            );
          case 'table':
            return (
              <table key={i} className="audit-table help-doc-table">
                <thead>
                  <tr>
                    {block.head.map((cell, c) => (
                      <th key={c} scope="col">
                        <Inline text={cell} />
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {block.rows.map((row, r) => (
                    <tr key={r}>
                      {row.map((cell, c) => (
                        <td key={c}>
                          <Inline text={cell} />
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            );
        }
      })}
    </>
  );
}

function PlanText({ file, text }: { file: string; text: string }) {
  return (
    <pre className="help-plan mono" tabIndex={0} role="region" aria-label={`${file}, as delivered with Keyward`}>
      {text}
    </pre>
  );
}

function GoToCeremonies() {
  return (
    <button type="button" className="link-button" onClick={() => useApp.getState().show('ceremonies')}>
      Open the Ceremonies screen
    </button>
  );
}

/** How an example plan is used from the app. */
function HowToRun({ type, file }: { type: string; file: string }) {
  if (type === 'initialise-workstation')
    return (
      <p className="help-howto">
        In the app, the workstation is initialised with the <strong>Initialise</strong> form on the Ceremonies screen,
        shown while the workstation has no signing key; the app does not run this file. It is for the command line:{' '}
        <code>keyward ceremony run {file} --out FOLDER</code>. <GoToCeremonies />
      </p>
    );
  return (
    <p className="help-howto">
      <strong>To run it:</strong> copy this file to a drive and change its values to yours (the officers present, the
      names, the folders; the files it names must be on drives too). Its first line is a checksum of the rest, so an
      edited copy is refused until that line is made again with <code>keyward plan checksum {file}</code> on the command
      line, or removed. Then, on the Ceremonies screen, choose &ldquo;{planFileChoice}&rdquo; as the ceremony and pick
      the file: Keyward shows the plan and its <TermLink to="digest">digest</TermLink> before anything is done.{' '}
      <GoToCeremonies />
    </p>
  );
}

const withArticle = (noun: string): string => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;

function ruleWords(entry: CeremonyCatalogueEntry): string {
  const needed = quorumNeeded(entry);
  const roles = entry.policy.roles.map((r) => withArticle(roleNames[r])).join(' or ');
  return `${needed === 1 ? 'one officer' : `${needed} distinct officers`}, ${needed === 1 ? '' : 'each '}${roles}${entry.dualControl ? ' (dual control)' : ''}`;
}

function PlanDocument({ file, catalogue }: { file: string; catalogue: CeremonyCatalogueEntry[] | undefined }) {
  const text = ceremonyDocFiles[file];
  const plan = docIndex(ceremonyDocFiles).plans.find((p) => p.file === file);
  if (text === undefined) return <p className="hint">Choose a plan file from the list.</p>;
  if (file === 'README.md')
    return (
      <>
        <h3 id="plan-doc-heading" tabIndex={-1}>
          About plan files <span className="help-file">README.md</span>
        </h3>
        <p className="help-howto">
          Written for the command line (<code>keyward ceremony run</code>): in the app, the same plans run from the
          Ceremonies screen, &ldquo;{planFileChoice}&rdquo;, and the officers type their PIN parts and passphrases on
          screen.
        </p>
        <div className="help-markdown">
          <Markdown blocks={markdownBlocks(text)} />
        </div>
      </>
    );
  if (!plan)
    return (
      <>
        <h3 id="plan-doc-heading" tabIndex={-1}>
          {file === 'rehearsal-answers.yaml' ? 'Rehearsal answers' : file} <span className="help-file">{file}</span>
        </h3>
        {file === 'rehearsal-answers.yaml' ? (
          <p className="help-howto">
            Answers (PIN parts, passphrases, share files) for rehearsals run automatically from the command line (
            <code>--answers</code>). Keyward refuses it on a real HSM, and the app never reads it: on screen, each
            officer types their own.
          </p>
        ) : (
          <p className="help-howto">{planSummary(text)}</p>
        )}
        <PlanText file={file} text={text} />
      </>
    );
  const entry = catalogue?.find((c) => c.type === plan.type);
  return (
    <>
      <h3 id="plan-doc-heading" tabIndex={-1}>
        {entry?.title ?? plan.type} <span className="help-file">{file}</span>
      </h3>
      <p>{entry?.description ?? planSummary(text)}</p>
      {entry && (
        <p>
          <strong>Approved by:</strong> {ruleWords(entry)}, under the default policy.
        </p>
      )}
      <HowToRun type={plan.type} file={file} />
      <PlanText file={file} text={text} />
    </>
  );
}

function PlanFiles({ catalogue }: { catalogue: Loadable<CeremonyCatalogueEntry[]> }) {
  const file = useHelp((s) => s.file);
  const choose = useHelp((s) => s.choose);
  const entries = catalogue.state === 'ready' ? catalogue.value : undefined;
  const index = docIndex(
    ceremonyDocFiles,
    entries?.map((e) => e.type),
  );
  const items = [
    ...index.others.filter((f) => f === 'README.md').map((f) => ({ file: f, title: 'About plan files' })),
    ...index.plans.map((p) => ({
      file: p.file,
      title: entries?.find((e) => e.type === p.type)?.title ?? p.type,
    })),
    ...index.others
      .filter((f) => f !== 'README.md')
      .map((f) => ({ file: f, title: f === 'rehearsal-answers.yaml' ? 'Rehearsal answers' : f })),
  ];
  return (
    <div className="help-plans">
      <nav aria-label="Plan files">
        <ul className="help-plan-list">
          {items.map((item) => (
            <li key={item.file}>
              <button
                type="button"
                aria-current={item.file === file ? 'true' : undefined}
                onClick={() => choose(item.file)}
              >
                <span className="help-plan-title">{item.title}</span>
                <span className="help-file">{item.file}</span>
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <section className="help-doc" aria-labelledby="plan-doc-heading">
        <PlanDocument file={file} catalogue={entries} />
      </section>
    </div>
  );
}

function Roles({ catalogue }: { catalogue: Loadable<CeremonyCatalogueEntry[]> }) {
  return (
    <>
      <p>
        Every officer has one role, certified with their approval key when they are enrolled. Whatever their role, an
        officer present <TermLink to="check-in">checks in</TermLink> to a ceremony with their own passphrase, and no
        officer&apos;s approval counts for a change to their own standing. What a role may approve is set by each
        ceremony type&apos;s <TermLink to="quorum">quorum policy</TermLink>: the table below shows them.
      </p>
      <dl className="help-roles">
        {officerRoles.map((role) => (
          <div key={role} className="help-role">
            <dt>{roleLabels[role]}</dt>
            <dd>{roleWords[role]}</dd>
          </div>
        ))}
      </dl>
      {catalogue.state === 'failed' && (
        <p className="hint">The ceremony types could not be read: {catalogue.error.message}</p>
      )}
      {(catalogue.state === 'idle' || catalogue.state === 'loading') && (
        <p role="status">Reading the ceremony types…</p>
      )}
      {catalogue.state === 'ready' && (
        <>
          <table className="audit-table help-policy-table">
            <caption>
              Who approves each ceremony under the policies Keyward is delivered with. A change-policy ceremony may
              change them; the{' '}
              <button type="button" className="link-button" onClick={() => useApp.getState().show('officers')}>
                Officers screen
              </button>{' '}
              shows those in force on this workstation.
            </caption>
            <thead>
              <tr>
                <th scope="col">Ceremony</th>
                <th scope="col">Approvals needed</th>
                {officerRoles.map((role) => (
                  <th key={role} scope="col">
                    {roleLabels[role]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {catalogue.value.map((entry) => (
                <tr key={entry.type}>
                  <th scope="row">
                    <button type="button" className="link-button" onClick={() => openHelp({ ceremony: entry.type })}>
                      {entry.title}
                    </button>
                  </th>
                  <td>
                    {quorumNeeded(entry)}
                    {entry.dualControl ? ' (dual control)' : ''}
                  </td>
                  {officerRoles.map((role) =>
                    countsTowardsQuorum(entry.policy, role) ? (
                      <td key={role} className="help-yes">
                        approves
                      </td>
                    ) : (
                      <td key={role} className="help-no">
                        no
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

export function HelpScreen() {
  const catalogue = useCatalogue();
  const topic = useHelp((s) => s.topic);
  const shown = useHelp((s) => s.shown);

  // A topic asked for by a link (here or on another screen): brought into view under the header, and focused.
  useEffect(() => {
    if (!topic) return;
    const target = document.getElementById(topicTarget(topic));
    if (target) {
      target.scrollIntoView({ block: 'start' });
      target.focus({ preventScroll: true });
    }
    shown();
  }, [topic, shown]);

  return (
    <div className="screen help-screen">
      <div className="screen-head">
        <h1>Help</h1>
      </div>
      <p className="help-intro">
        The words Keyward uses, what each officer&apos;s role may do, and the example plan file of every ceremony. All
        of it is part of Keyward itself: nothing here is read from a drive or a network.
      </p>
      <nav aria-label="Help sections" className="help-sections">
        <ul>
          {sections.map((s) => (
            <li key={s.id}>
              <button type="button" className="link-button" onClick={() => openHelp({ section: s.id })}>
                {s.title}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <div className="stack">
        <section className="card help-card" aria-labelledby="help-glossary">
          <h2 id="help-glossary" tabIndex={-1}>
            Glossary
          </h2>
          <Glossary />
        </section>
        <section className="card help-card" aria-labelledby="help-roles">
          <h2 id="help-roles" tabIndex={-1}>
            Officers&apos; roles and what each may do
          </h2>
          <Roles catalogue={catalogue} />
        </section>
        <section className="card help-card" aria-labelledby="help-plans">
          <h2 id="help-plans" tabIndex={-1}>
            Ceremony plan files
          </h2>
          <p>
            Every ceremony runs from a plan: the app&apos;s form writes one, or a plan file brought on a drive states
            it. These are the example plans delivered with Keyward, one for each ceremony type. Choose one to read it.
          </p>
          <PlanFiles catalogue={catalogue} />
        </section>
      </div>
    </div>
  );
}
