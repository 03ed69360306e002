import { checkCreate, checkName, fieldOf, parseEnv, pyRepr } from '../src/validate';

const ok = { name: 'nb', project: 'team-a', image: 'busybox' };

describe('the create rules (generated from create_body.py)', () => {
  it('accepts a good body', () => {
    expect(checkCreate({ ...ok, gpu: 1, namePrefix: false })).toBeNull();
  });

  it('refuses a bad name next to the name field, in the server words', () => {
    expect(checkCreate({ ...ok, name: 'Bad_Name' })).toEqual({
      field: 'name',
      details: expect.stringMatching(/^'Bad_Name' is not a valid workspace name: lowercase letters/)
    });
    expect(checkName('Bad_Name')?.details).toMatch(/^'Bad_Name' is not a valid workspace name:/);
    expect(checkName('a'.repeat(35), true)?.details).toBe(
      `'${'a'.repeat(35)}' has 35 characters; a workspace name prefix has at most 34 (Run:ai adds a 6-character suffix)`
    );
  });

  it('names the field of each rule', () => {
    expect(checkCreate({ ...ok, image: '' })?.field).toBe('image');
    expect(checkCreate({ ...ok, gpu: 1.5 })).toEqual({
      field: 'gpu',
      details: 'above 1, GPUs are whole devices (a portion is < 1)'
    });
    expect(checkCreate({ ...ok, memory: 'lots' })?.field).toBe('memory');
    expect(checkCreate({ ...ok, env: { '1BAD': 'x' } })).toEqual({
      field: 'env.1BAD',
      details: 'is not a valid environment variable name'
    });
    expect(fieldOf('env.1BAD')).toBe('env');
    expect(fieldOf('namePrefix')).toBe('name');
  });

  it('reads KEY=value lines', () => {
    expect(parseEnv('A=1\n\nB = two')).toEqual({ env: { A: '1', B: ' two' } });
    expect(parseEnv('A=1\nnope')).toEqual({ field: 'env', details: 'line 2 is not KEY=value' });
  });

  it('quotes values as Python does', () => {
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('a\nb')).toBe("'a\\nb'");
  });
});

import { defaultTools, formatTools, parseTools } from '../src/validate';

describe('the Tools field (the spelling of jupyter_runai/kernel/tools.py)', () => {
  it('reads NAME:PORT and bare ports, as %runai submit --tool does', () => {
    expect(parseTools('jupyter:8888, 6006 tb:6007')).toEqual({
      tools: [
        { port: 8888, type: 'jupyter-notebook', name: 'jupyter' },
        { port: 6006 },
        { port: 6007, type: 'custom', name: 'tb' }
      ]
    });
    expect(parseTools('')).toEqual({ tools: [] });
  });

  it('names the field and the spelling for anything else', () => {
    expect(parseTools('jupyter:88a')).toEqual({
      field: 'tools',
      details: "'jupyter:88a' is not NAME:PORT (e.g. jupyter:8888) or a port"
    });
  });

  it('offers the Jupyter tool for Jupyter images only', () => {
    expect(formatTools(defaultTools('jupyter/scipy-notebook'))).toBe('jupyter:8888');
    expect(defaultTools('busybox')).toEqual([]);
    expect(formatTools([{ port: 8888, name: 'jupyter' }, { port: 6006 }])).toBe('jupyter:8888, 6006');
  });
});
