export { type DiskOptions, disk } from './disk-driver.js';
