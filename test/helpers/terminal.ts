/**
 * A command run at a real terminal (util-linux `script` gives it a pseudo-terminal), its prompts answered
 * as an officer would type: what is typed is decided from the screen since the last answer.
 */
import { spawn } from 'node:child_process';

export function typedAtTerminal(
  command: string,
  env: Record<string, string>,
  answer: (screenSinceLastAnswer: string) => string | undefined,
): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env } });
    let stdout = '';
    let answered = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const typed = answer(stdout.slice(answered));
      if (typed !== undefined) {
        answered = stdout.length;
        child.stdin.write(`${typed}\r`);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout });
    });
  });
}

/** Answers the first prompt matched, each time it shows. */
export const answeringPrompts =
  (answers: [RegExp, string][]) =>
  (screen: string): string | undefined =>
    answers.find(([prompt]) => prompt.test(screen))?.[1];
