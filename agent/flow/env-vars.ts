// `${NAME:-default}` substitution is shared by every config format (flows, the hub config)
export { substituteEnvVars } from '../../core/config/env-vars.js';
