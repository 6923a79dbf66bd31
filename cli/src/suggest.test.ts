import { didYouMean, editDistance } from './suggest';

describe('editDistance', () => {
  it.each([
    ['wait', 'wait', 0],
    ['wiat', 'wait', 1],
    ['deplyo', 'deploy', 1],
    ['statsu', 'status', 1],
    ['kitten', 'sitting', 3],
    ['', 'ls', 2],
  ])('%s → %s is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
});

describe('didYouMean', () => {
  const commands = ['deploy', 'delete', 'ls', 'logout', 'login', 'status', 'estimate', 'wait'];
  it.each([
    ['deplyo', 'deploy'],
    ['DEPLOY', 'deploy'],
    ['lst', 'ls'],
    ['statu', 'status'],
    ['estim', 'estimate'],
    ['frobnicate', null],
    ['x', null],
  ])('%s → %s', (word, expected) => {
    expect(didYouMean(word, commands)).toBe(expected);
  });
});
