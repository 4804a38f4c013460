/**
 * PKCS#11 URIs (RFC 7512), limited to what names a token: Keyward selects tokens by what is printed on
 * them (manufacturer, model, serial, label), never by slot number, which modules renumber freely.
 */
import { KeywardError } from './errors';

export const tokenUriAttributes = ['token', 'manufacturer', 'serial', 'model'] as const;
export type TokenUriAttribute = (typeof tokenUriAttributes)[number];
export type TokenSelector = Partial<Record<TokenUriAttribute, string>>;

/** Characters RFC 7512 lets stand unencoded in a path attribute value (pk11-pchar less pct-encoded). */
const plainChar = /[A-Za-z0-9\-._~:[\]@!$'()*+,=&]/;

function invalid(uri: string, why: string): KeywardError {
  // The query part is never repeated back: it may hold a pin-value typed by mistake.
  const shown = uri.includes('?') ? `${uri.slice(0, uri.indexOf('?'))}?…` : uri;
  return new KeywardError(
    'INVALID_PKCS11_URI',
    `The token address "${shown}" is not a valid PKCS#11 URI: ${why}.`,
    'Write it as pkcs11:token=LABEL;serial=SERIAL (RFC 7512), or pick the token from the list Keyward shows for the module.',
  );
}

function decodeValue(uri: string, raw: string): string {
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charAt(i);
    if (ch === '%') {
      if (!/^%[0-9A-Fa-f]{2}$/.test(raw.slice(i, i + 3))) throw invalid(uri, `"%" must start a %XX escape in "${raw}"`);
      i += 2;
    } else if (!plainChar.test(ch)) {
      throw invalid(uri, `the character "${ch}" must be percent-encoded`);
    }
  }
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid(uri, `"${raw}" does not decode to UTF-8 text`);
  }
}

export function parseTokenUri(uri: string): TokenSelector {
  if (!uri.startsWith('pkcs11:')) throw invalid(uri, 'it must begin with "pkcs11:"');
  const rest = uri.slice('pkcs11:'.length);
  if (rest.includes('?')) {
    throw invalid(
      uri,
      'query attributes (after "?") such as pin-value are not accepted; a PIN is never part of an address',
    );
  }
  const selector: TokenSelector = {};
  if (rest === '') throw invalid(uri, 'it names no token; give at least token= or serial=');
  for (const part of rest.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw invalid(uri, `"${part}" is not of the form name=value`);
    const name = part.slice(0, eq);
    if (!(tokenUriAttributes as readonly string[]).includes(name)) {
      throw invalid(
        uri,
        `"${name}" is not an attribute Keyward uses to choose a token (use ${tokenUriAttributes.join(', ')})`,
      );
    }
    const key = name as TokenUriAttribute;
    if (selector[key] !== undefined) throw invalid(uri, `"${name}" appears twice`);
    selector[key] = decodeValue(uri, part.slice(eq + 1));
  }
  return selector;
}

function encodeValue(value: string): string {
  let out = '';
  for (const ch of value) {
    if (plainChar.test(ch) && ch !== '&' && ch !== '=') out += ch;
    else for (const byte of new TextEncoder().encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The URI of one token, in a fixed attribute order so the same token always gets the same URI. */
export function formatTokenUri(selector: TokenSelector): string {
  const parts = (['model', 'manufacturer', 'serial', 'token'] as const)
    .filter((key) => selector[key] !== undefined)
    .map((key) => `${key}=${encodeValue(selector[key] as string)}`);
  return `pkcs11:${parts.join(';')}`;
}

export function selectorMatches(selector: TokenSelector, token: Required<TokenSelector>): boolean {
  return tokenUriAttributes.every((key) => selector[key] === undefined || selector[key] === token[key]);
}
