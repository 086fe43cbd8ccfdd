// Our half of the Linux boot bench, bundled with esbuild and run on plain node as the product
// runs (`paravirt run` is a bundle too): under tsx every use of an imported binding is a getter
// call, which made the same boot measurably slower than the product. Prints one JSON line.
import { linuxFixture } from '../test/linux/debian-kernel';
import { runLinuxOnOurs } from '../test/linux/boot-ours';

const wallSeconds = Number(process.argv[2]);
const run = runLinuxOnOurs(linuxFixture(), { wallSeconds: wallSeconds > 0 ? wallSeconds : undefined });
// The console and the exits are the parent's to describe; they travel as they are.
process.stdout.write(`${JSON.stringify(run)}\n`);
