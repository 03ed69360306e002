import { CLI_NOTE, bodyOfWorkspace, cliCommand, magicLine, pythonCall, shellWord } from '../src/copyas';

const cli = (line: string) => `${CLI_NOTE}\n${line}`;
const magic = (line: string) => `%load_ext jupyter_runai\n${line}`;

const body = {
  name: 'nb',
  project: 'team-a',
  image: 'jupyter/scipy-notebook',
  gpu: 0.5,
  cpu: 2,
  memory: '8G',
  env: { KEY: 'a value' },
  namePrefix: true
};

describe('copy as', () => {
  it('writes the runai CLI v2 command with the flags %runai submit accepts', () => {
    expect(cliCommand(body)).toBe(
      cli(
        'runai workspace submit nb -p team-a -i jupyter/scipy-notebook --gpu-portion-request 0.5 ' +
          "--cpu-core-request 2 --cpu-memory-request 8G -e 'KEY=a value' --name-prefix"
      )
    );
    expect(cliCommand({ name: 'x', project: 'p', image: 'i', gpu: 2 })).toBe(
      cli('runai workspace submit x -p p -i i -g 2')
    );
    expect(CLI_NOTE).toMatch(/^# in a terminal/); // a shell comment: it says where it runs
  });

  it('writes the %runai line, after the %load_ext a fresh notebook needs', () => {
    expect(magicLine({ name: 'x', project: 'p', image: 'python:3.11' })).toBe(
      magic('%runai submit x -p p -i python:3.11')
    );
  });

  it('writes the Python call', () => {
    expect(pythonCall(body)).toBe(
      'import jupyter_runai\n\nws = jupyter_runai.create("nb", project="team-a", ' +
        'image="jupyter/scipy-notebook", gpu=0.5, cpu=2, memory="8G", env={"KEY": "a value"}, ' +
        'name_prefix=True)'
    );
  });

  it('writes a tool whose name does not give its type as a mapping for Python', () => {
    const tools = [{ port: 8888, type: 'jupyter-notebook', name: 'lab' }, { port: 6006, type: 'tensorboard' }];
    const made = { name: 'x', project: 'p', image: 'i', tools };
    expect(pythonCall(made)).toContain(
      'tools=[{"port": 8888, "type": "jupyter-notebook", "name": "lab"}, {"port": 6006, "type": "tensorboard"}]'
    );
    expect(magicLine(made)).toBe(
      magic('%runai submit x -p p -i i --tool lab:8888 --external-url container=6006')
    );
    expect(cliCommand(made)).toBe(
      cli('runai workspace submit x -p p -i i --external-url container=8888 --external-url container=6006')
    );
  });

  it('quotes for the shell only when needed', () => {
    expect(shellWord('plain-word')).toBe('plain-word');
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(shellWord('')).toBe("''");
  });

  it('rebuilds a row from what it shows', () => {
    const ws = { name: 'nb', project: 'team-a', image: 'busybox', gpu: { requested: 1 } };
    expect(bodyOfWorkspace(ws)).toEqual({ name: 'nb', project: 'team-a', image: 'busybox', gpu: 1 });
  });

  it('rebuilds everything the workspace was created with: CPU, memory, environment', () => {
    const ws = {
      name: 'nb',
      project: 'team-a',
      image: 'busybox',
      gpu: { requested: 0.5 },
      cpu: 1,
      memory: '8G',
      env: { FOO: 'bar' }
    };
    expect(cliCommand(bodyOfWorkspace(ws))).toBe(
      cli(
        'runai workspace submit nb -p team-a -i busybox --gpu-portion-request 0.5 --cpu-core-request 1 ' +
          '--cpu-memory-request 8G -e FOO=bar'
      )
    );
  });
});

import fixture from './copyas-cases.json';

describe('the cases a real kernel runs (tests/test_labextension.py)', () => {
  it.each(fixture.cases)('writes $body.name as recorded', ({ body, cli, magic, python }) => {
    expect(cliCommand(body)).toBe(cli);
    expect(magicLine(body)).toBe(magic);
    expect(pythonCall(body)).toBe(python);
  });
});
