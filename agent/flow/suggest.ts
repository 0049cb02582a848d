// the did-you-mean helpers are shared by every config format (flows, the hub config)
export { didYouMean, didYouMeanSuffix, editDistance } from '../../core/config/suggest.js';
