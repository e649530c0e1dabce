package i18n

// certificateCatalog holds the title certificate PDF
// (extract/certificate), printed in the language of the portal page it
// is downloaded from. Numbers, dates and amounts reach these messages
// already written in the language (%s).
var certificateCatalog = []Message{
	{"certpdf.chain", "Land registry · chain %s", "不动产登记 · 链 %s"},
	{"certpdf.h1", "Title certificate", "不动产权证书"},
	{"certpdf.register", "Register of title %s", "产权 %s 登记簿"},
	{"certpdf.lead", "The register as it stood at block %s (%s), proven against the signed header of block %s.", "第 %s 号区块（%s）时的登记内容，依据第 %s 号区块经签名的区块头证明。"},
	{"certpdf.fallback", "A Chinese certificate was asked for, but this portal has no Chinese font installed: it is printed in English.", "您请求的是中文证书，但本门户未安装中文字体：证书以英文打印。"},

	{"certpdf.s.title", "Title", "产权"},
	{"certpdf.title", "Title", "产权编号"},
	{"certpdf.tenure", "Tenure", "权属类型"},
	{"certpdf.status", "Status", "状态"},
	{"certpdf.registered", "Registered at block", "登记区块"},
	{"certpdf.parents", "Replaces titles", "取代的产权"},
	{"certpdf.children", "Replaced by titles", "被以下产权取代"},

	{"certpdf.s.owners", "Owners and shares", "权利人及份额"},
	{"certpdf.share", "Share %s", "份额 %s"},

	{"certpdf.s.parcels", "Parcels", "地块"},
	{"certpdf.parcel", "Parcel %s", "地块 %s"},
	{"certpdf.parcel.v", "%s, %s m²", "%s，%s 平方米"},
	{"certpdf.parcel.addr", "%s, %s m², %s", "%s，%s 平方米，%s"},

	{"certpdf.s.mortgages", "Mortgages", "抵押"},
	{"certpdf.nomortgage", "None registered.", "尚无登记。"},
	{"certpdf.mortgage", "Mortgage %s", "抵押 %s"},
	{"certpdf.mortgage.v", "Rank %s: %s to lender %s, registered at block %s", "第 %s 顺位：%s，抵押权人 %s，于第 %s 号区块登记"},

	{"certpdf.s.rights", "Leases and easements", "租赁与地役权"},
	{"certpdf.lease", "Lease %s", "租赁 %s"},
	{"certpdf.lease.v", "To %s from %s to %s", "承租人 %s，自 %s 至 %s"},
	{"certpdf.easement", "Easement %s", "地役权 %s"},
	{"certpdf.easement.v", "%s, benefiting %s", "%s，需役地块 %s"},

	{"certpdf.s.caveats", "Caveats", "异议登记"},
	{"certpdf.nocaveat", "None: dealings are not frozen.", "无：交易未被冻结。"},
	{"certpdf.caveat", "Caveat %s", "异议登记 %s"},
	{"certpdf.caveat.for", "Lodged for %s at block %s", "于第 %[2]s 号区块为 %[1]s 登记"},
	{"certpdf.caveat.clerk", "Lodged by a land registry clerk at block %s", "由不动产登记员于第 %s 号区块登记"},
	{"certpdf.caveat.by", "Lodged by %s at block %s", "由 %[1]s 于第 %[2]s 号区块申请登记"},
	{"certpdf.caveat.accepted", ", accepted by a clerk at block %s", "，经登记员于第 %s 号区块受理"},
	{"certpdf.caveat.reason", ": %s. Dealings are frozen until it is withdrawn or removed.", "：%s。在撤回或注销之前，交易均被冻结。"},

	{"certpdf.who.missing", "party %s (record not in the extract)", "当事人 %s（记录不在摘录中）"},
	{"certpdf.who.account", "the holder of account %s under Technical details", "技术信息中账户 %s 的持有人"},

	{"certpdf.s.parties", "Technical details: parties", "技术信息：当事人"},
	{"certpdf.party", "Party %s", "当事人 %s"},
	{"certpdf.party.missing", "(record not in the extract)", "（记录不在摘录中）"},
	{"certpdf.party.v", "%s (%s)", "%s（类型：%s）"},
	{"certpdf.party.regno", "%s (%s, registration number %s)", "%s（类型：%s，登记号 %s）"},
	{"certpdf.party.accounts", "; signs with account %s", "；以账户 %s 签署"},
	{"certpdf.party.noaccount", "; no account: a land clerk signs for it on the deed", "；无账户：由不动产登记员依据契据代其签署"},
	{"certpdf.account", "Account %s", "账户 %s"},
	{"certpdf.account.v", "%s (no party record)", "%s（无当事人记录）"},

	{"certpdf.s.proof", "Technical details: proof", "技术信息：证明"},
	{"certpdf.stateat", "State at block", "状态所在区块"},
	{"certpdf.provenby", "Proven by header", "证明所依据的区块头"},
	{"certpdf.provenby.v", "%s, signed by more than two thirds of its validators", "第 %s 号区块，经其三分之二以上验证者签名"},
	{"certpdf.apphash", "App hash", "应用哈希"},
	{"certpdf.valhash", "Validator set hash", "验证者集合哈希"},
	{"certpdf.sha", "Extract SHA-256", "摘录的 SHA-256"},
	{"certpdf.records", "Records proven", "已证明的记录数"},
	{"certpdf.deed", "Title deed SHA-256", "产权契据的 SHA-256"},
	{"certpdf.caveat.account", "lodged by account %s", "由账户 %s 提交"},

	{"certpdf.s.check", "Check this certificate", "核验本证书"},
	{"certpdf.check", "Scan the code, or open the address below: the portal fetches the extract of title %s at block %s, verifies it and checks that its SHA-256 is the one printed here.", "扫描二维码或打开下方地址：门户会获取产权 %s 在第 %s 号区块的登记簿摘录，加以核验，并核对其 SHA-256 与本证书所印的是否一致。"},
	{"certpdf.attached", "The extract itself is attached to this PDF as %s. Anyone can check it offline, with no portal and no node:", "登记簿摘录本身以 %s 的文件名附于本 PDF。任何人无需门户或节点，即可用以下命令离线核验："},
	{"certpdf.trust", "Compare the validator set hash with one you trust (publica verify extract --validators-hash).", "请将验证者集合哈希与您信任的哈希比对（publica verify extract --validators-hash）。"},

	{"certpdf.meta.title", "Title certificate %s at block %s", "不动产权证书 %s（第 %s 号区块）"},
	{"certpdf.meta.subject", "Register of title %s, proven against app hash %s", "产权 %s 登记簿，依据应用哈希 %s 证明"},
	{"certpdf.meta.attachment", "Title extract of %s at block %s (SHA-256 %s)", "产权 %s 在第 %s 号区块的登记簿摘录（SHA-256 %s）"},
}
