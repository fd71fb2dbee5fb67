import { main } from '../examples/quick-start/quick-start';
import { nestMajor } from './support/nest';

describe(`examples (Nest ${nestMajor})`, () => {
  it('runs the README quick start', async () => {
    await expect(main(0)).resolves.toBe('Hello, Sample');
  });
});
