package browser

import "github.com/chromedp/cdproto/runtime"

type runtimeEvaluate = runtime.EvaluateParams
