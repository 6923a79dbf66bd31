import { jobStoreContract } from '../../../test-support/contracts/job-store.contract';
import { createEmbeddedJobStore } from './job-store';

jobStoreContract('embedded', () => createEmbeddedJobStore());
