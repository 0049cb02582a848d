// size strings ("256MiB") are shared by every config format (flows, the hub config)
export { BYTE_SIZE_KEYWORD, BYTE_SIZE_PATTERN, byteSizeSchema, parseByteSize } from '../../core/config/sizes.js';
