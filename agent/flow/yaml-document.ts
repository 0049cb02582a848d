// YAML with positions is shared by every config format (flows, the hub config)
export { parseYaml, type ParsedYaml, type Position, type YamlProblem } from '../../core/config/yaml-document.js';
