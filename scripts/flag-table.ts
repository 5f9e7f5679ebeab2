/** Prints README's `ner train` flag table from the settings table: `npm run build && node dist/scripts/flag-table.js`. */
import { trainFlagTable } from '../src/config/flag-table.js';

console.log(trainFlagTable());
