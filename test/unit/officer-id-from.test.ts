/** A full name suggests an officer id the rules accept (issue 19, point 14): the name itself is kept as typed. */
import { describe, expect, it } from 'vitest';
import { officerIdFrom, officerIdPattern } from '../../src/shared/officers';

describe('the officer id a full name suggests', () => {
  it.each([
    ['Alice Martin', 'alice.martin'],
    ["Zoë O'Brien", 'zoe.o.brien'],
    ['  Jean-Luc   Picard ', 'jean.luc.picard'],
    ['42 Grace Hopper', 'grace.hopper'],
    ['Ærøskøbing Ødegård Åsa Lindqvist-Nordström Björnsdottir', 'aeroskobing.odegard.asa.lindqvis'],
  ])('"%s" gives "%s", which the id rules accept', (name, id) => {
    expect(officerIdFrom(name)).toBe(id);
    expect(officerIdPattern.test(id)).toBe(true);
  });

  it('suggests nothing for a name with no letter to start an id', () => {
    expect(officerIdFrom('')).toBe('');
    expect(officerIdFrom('123 456')).toBe('');
  });
});
