// Bringing machines another tool made into berth's store: Docker Machine's. What berth imports from this folder, it imports from here.
export {importDockerMachines, type ImportOutcome} from './import-docker-machine.js'
