import { main } from '../examples/quick-start/main';
import { nestMajor } from './support/nest';

describe(`examples (Nest ${nestMajor})`, () => {
  it('runs the README quick start: the correlation id reaches the handler', async () => {
    await expect(main(0)).resolves.toBe('Hello, Sample (the handler saw correlation id quick-start-1)');
  });
});
