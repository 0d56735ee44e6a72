// ESLint finds the nearest config from each linted file: the repository's rules, minus the bench's build output and results.
import root from '../eslint.config.js';

export default [{ ignores: ['.build/', 'results/'] }, ...root];
