package i18n

import (
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Message is one entry of the catalog: its key and its text in each
// language. Texts may hold fmt verbs (%s, %d, %[2]s to reorder).
type Message struct {
	Key, En, Zh string
}

// Catalog is every user-facing string of the translated pages. Keys are
// "<area>.<what>". Terms follow a mainland Chinese real-property register
// (不动产登记): title 产权, parcel 地块, mortgage 抵押, lease 租赁,
// caveat 异议登记 (the caveat stops dealings while a claim against the
// registered owner is heard, as an objection registration does; 预告登记
// protects a buyer's future right and is not what a caveat is), election
// 选举, vote 投票, ballot 选票, credential 凭证.
//
// Each area keeps its messages in its own file (catalog_<area>.go), so
// pages of different areas can be translated side by side.
var Catalog = concat(coreCatalog, landCatalog, certificateCatalog, ballotCatalog, identityCatalog, otherCatalog)

func concat(parts ...[]Message) []Message {
	var all []Message
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

// coreCatalog holds the layout, the home page and the pages translated first.
var coreCatalog = []Message{
	// Layout: header, navigation, switcher, footer.
	{"layout.skip", "Skip to main content", "跳至主要内容"},
	{"layout.title", "%s – Publica", "%s – Publica 公共登记平台"},
	{"layout.nav", "Main", "主导航"},
	{"nav.land", "Land", "不动产"},
	{"nav.elections", "Elections", "选举"},
	{"nav.identity", "Credentials", "凭证"},
	{"nav.keys", "Your key", "您的密钥"},
	{"nav.explorer", "Explorer", "区块浏览器"},
	{"layout.account", "Account", "账户"},
	{"layout.signout", "Sign out", "退出登录"},
	{"layout.signin", "Sign in", "登录"},
	{"layout.language", "Language", "语言"},
	{"layout.footer", "Publica — a public registry whose every record can be checked against the chain.", "Publica —— 公共登记平台，每一条记录都可以在区块链上核验。"},

	// Home page.
	{"home.title", "Land, elections and credentials", "不动产、选举与凭证"},
	{"home.demo.before", "This is the development chain.", "这是开发链。"},
	{"home.demo.link", "Try the guided first visit", "试用首次访问引导"},
	{"home.demo.after", ": act as the clerk, a citizen, the registrar, an election official, a trustee or the auditor with public demo keys.", "：使用公开的演示密钥，以登记员、市民、登记官、选举官员、受托人或审计员的身份操作。"},
	{"home.lead", "Find a property and who owns it, vote, keep your credentials and check a certificate. Every record here can be checked against the public register.", "查询不动产及其权利人、投票、保管您的凭证并核验证书。此处每一条记录都可以与公共登记簿核对。"},
	{"home.find", "Find a property", "查找不动产"},
	{"home.q.label", "Address or cadastral reference", "地址或不动产单元号"},
	{"home.q.hint", "For example “Mill Lane” or “MB-01”.", "例如“Mill Lane”或“MB-01”。"},
	{"home.search", "Search", "搜索"},
	{"home.map", "Find a property on a map", "在地图上查找不动产"},
	{"home.tasks", "What you can do", "您可以办理的事项"},
	{"home.property", "My property", "我的不动产"},
	{"home.property.in", "The titles you hold, their mortgages, leases and any caveat.", "您持有的产权，及其抵押、租赁和异议登记。"},
	{"home.property.out.before", "The titles you hold.", "您持有的产权。"},
	{"home.property.out.after", "with your key first.", "请先用您的密钥登录。"},
	{"home.vote", "Vote", "投票"},
	{"home.vote.text", "Elections open for voting, your ballot’s receipt and the results.", "正在投票的选举、您的选票回执和选举结果。"},
	{"home.credentials", "My credentials", "我的凭证"},
	{"home.credentials.text", "The credentials issued to you, such as proof of residence, and how to show them.", "签发给您的凭证（例如居住证明）以及如何出示。"},
	{"home.verify", "Check a certificate", "核验证书"},
	{"home.verify.text", "Whether a title certificate or extract is genuine, and whether the title has changed since.", "核验不动产权证书或登记簿摘录是否真实，以及产权此后是否发生变更。"},
	{"home.more", "Other services", "其他服务"},
	{"home.more.credential", "Check a credential someone showed you", "核验他人向您出示的凭证"},
	{"home.more.key", "Get a key", "获取密钥"},
	{"home.more.key.after", "to sign in, vote and deal with your property", "用于登录、投票和办理不动产事务"},
	{"home.more.land", "Land registry", "不动产登记"},
	{"home.more.land.after", ": titles, dealings and the clerks’ work", "：产权、交易及登记员的工作"},
	{"home.more.chain", "The register’s chain", "登记簿的区块链"},
	{"home.more.chain.after", ": its status, blocks and transactions", "：运行状态、区块和交易"},
	// Forms.
	{"form.error", "Error:", "错误："},
	{"form.problem", "There is a problem", "出现问题"},
	{"form.errortitle", "Error: %s", "错误：%s"},

	// Property search.
	{"search.lead", "Search the register by address or cadastral reference. Each result links to the parcel’s page, read with a proof, with its map and owners.", "按地址或不动产单元号查询登记簿。每条结果都链接到该地块的页面，页面内容附有证明，并显示地图和权利人。"},
	{"search.q.hint", "The whole address or some of its words, such as “Mill Lane”, or a reference or its beginning, such as MB-01.", "完整地址或其中几个词，例如“Mill Lane”；或单元号及其开头部分，例如 MB-01。"},
	{"search.area", "Area", "面积"},
	{"search.area.summary", "Search an area by coordinates instead", "改为按坐标查询一个区域"},
	{"search.bbox", "Area", "区域"},
	{"search.area.hint", "Four whole numbers in the register’s coordinates: west, south, east, north (min x, min y, max x, max y), such as 0,0,1000,1000.", "登记簿坐标系中的四个整数：西、南、东、北（最小 x、最小 y、最大 x、最大 y），例如 0,0,1000,1000。"},
	{"search.found.one", "1 property found", "找到 1 处不动产"},
	{"search.found.first", "The first %s properties found", "找到的前 %s 处不动产"},
	{"search.found", "%s properties found", "找到 %s 处不动产"},
	{"search.asof", "As the register stood at block %s. Open a property to see it with its proof.", "以第 %s 号区块时的登记簿为准。打开一处不动产可查看其证明。"},
	{"search.none", "No property matches. Check the spelling, or search for fewer words, such as the street’s name.", "没有匹配的不动产。请检查拼写，或减少搜索词，例如只输入街道名称。"},
	{"search.parcel", "Parcel %s", "地块 %s"},
	{"search.ref", "Cadastral reference", "不动产单元号"},
	{"search.m2", "%s m²", "%s 平方米"},
	{"search.status", "Status", "状态"},
	{"search.replaced", "Replaced by another parcel", "已被其他地块取代"},
	{"search.owner", "Owner", "权利人"},
	{"search.notitle", "No title registered", "未登记产权"},
	{"search.frozen", "Frozen by a caveat", "因异议登记而冻结"},
	{"search.map.title", "Outlines of the properties found, numbered as in the list", "找到的不动产轮廓，编号与列表一致"},
	{"search.map.caption", "The properties found, numbered as in the list (north up).", "找到的不动产，编号与列表一致（上北下南）。"},
	// Proofs, shared.
	{"proof.verified", "Proof verified", "证明已核验"},
	{"proof.against", "against app hash", "依据应用哈希"},
	{"proof.height", "at height %s (the header after block %s, signed by its validators).", "，高度 %s（第 %s 号区块之后的区块头，由其验证者签名）。"},
	{"tech.details", "Technical details", "技术细节"},
	{"dealings", "Dealings", "办理事项"},
	{"by.clerks", "(clerks)", "（登记员）"},
	{"lineage", "Lineage", "沿革"},
	{"lineage.from", "Made from", "来源"},
	{"lineage.by", "Replaced by", "由以下取代"},

	// Parcel page.
	{"parcel.small", "parcel %s", "地块 %s"},
	{"parcel.neighbours", "Neighbouring parcels", "相邻地块"},
	{"parcel.more", "More parcels lie in this area than the map draws.", "此区域内的地块多于地图所绘。"},
	{"parcel.outline", "Outline of parcel %s", "地块 %s 的界址轮廓"},
	{"parcel.id", "Parcel id", "地块标识"},
	{"parcel.registered", "Registered at block", "登记区块"},
	{"parcel.history", "History", "登记历史"},
	{"parcel.history.lead", "Every dealing that touched this parcel, oldest first, as the register recorded it (nothing is ever removed).", "涉及此地块的每一项登记事项，按时间先后排列，与登记簿记载一致（任何记录都不会被删除）。"},
	{"parcel.address", "Address", "地址"},
	{"parcel.title", "Title", "产权"},
	{"parcel.title.link", "Title %s: owners, mortgages and restrictions", "产权 %s：权利人、抵押及权利限制"},
	{"parcel.notitle", "No title registered yet", "尚未登记产权"},
	{"parcel.active", "In the register", "现行登记"},
	{"parcel.replacedby", "Replaced by %s (retired)", "已由 %s 取代（已注销）"},
	{"parcel.retired", "Retired", "已注销"},
	{"parcel.subdivide", "Subdivide this parcel", "分割此地块"},
	{"parcel.merge", "Merge it with adjacent parcels", "与相邻地块合并"},
	{"parcel.correct", "Correct its reference or address", "更正其单元号或地址"},
	{"parcel.firsttitle", "Register its first title", "办理首次产权登记"},
	// Elections.
	{"ballot.lead", "Every election defined on the chain, newest first. Ballots are encrypted in your browser; the chain counts them without anyone reading them.", "链上定义的所有选举，按时间由新到旧排列。选票在您的浏览器中加密；区块链在无人能读取选票内容的情况下完成计票。"},
	{"ballot.create", "Create an election", "创建选举"},
	{"ballot.byofficials", "(election officials)", "（选举官员）"},
	{"ballot.none", "No elections have been defined yet.", "尚未定义任何选举。"},
	{"ballot.election", "Election", "选举"},
	{"ballot.opens", "Opens", "开始时间"},
	{"ballot.closes", "Closes", "截止时间"},
	{"ballot.in", "in %s", "（选举：%s）"},
	{"ballot.colon", ": ", "，状态："},
	{"ballot.votehere", "Vote in this election", "在本次选举中投票"},
	{"ballot.ceremony", "Key ceremony and tally", "密钥仪式与计票"},
	{"ballot.ceremony.after", ": the trustees' progress, and their steps", "：受托人的进度及其步骤"},
	{"ballot.opens.block", "Opens (block time)", "开始时间（区块时间）"},
	{"ballot.closes.block", "Closes (block time)", "截止时间（区块时间）"},
	{"ballot.who", "Who may vote", "投票资格"},
	{"ballot.official", "Election official", "选举官员"},
	{"ballot.trustees", "Trustees", "受托人"},
	{"ballot.trustees.n", "%s, any %s of them decrypt the result", "共 %s 人，其中任意 %s 人即可解密结果"},
	{"ballot.key", "Election key", "选举公钥"},
	{"ballot.counted", "Ballots counted", "已计选票"},
	{"ballot.questions", "Questions", "表决事项"},
	{"ballot.find", "Find your ballot", "查找您的选票"},
	{"ballot.board", "Bulletin board", "公告板"},
	{"ballot.board.empty", "No ballots have been cast yet.", "尚无人投票。"},
	{"ballot.status.tallied", "Tallied: the result is published", "已计票：结果已公布"},
	{"ballot.status.closed", "Closed: waiting for the trustees to decrypt the result", "已截止：等待受托人解密结果"},
	{"ballot.status.preparing", "Preparing: the trustees' key ceremony is under way", "准备中：受托人的密钥仪式正在进行"},
	{"ballot.status.notyet", "Not open yet: opens %s", "尚未开始：%s 开始"},
	{"ballot.status.open", "Open: closes %s", "投票中：%s 截止"},

	// Land registry front page (/land).
	{"land.title", "Land registry", "不动产登记"},
	{"land.lead", "Parcels, titles and their history, each read with a proof against the chain.", "地块、产权及其历史，每项内容均附有依据区块链的证明。"},
	{"land.account", "Titles held by account or party", "按账户或当事人查询所持产权"},
	{"land.account.hint", "An account id (40 hexadecimal characters) or a party id such as N1.", "账户标识（40 个十六进制字符）或当事人标识，例如 N1。"},
	{"land.show", "Show titles", "显示产权"},
	{"land.yours", "Your titles", "您的产权"},
	{"land.heldby", "Titles held by", "产权持有人"},
	{"landlinks.0", "Find a parcel", "查找地块"},
	{"landlinks.0.who", " by cadastral reference or area", "（按不动产单元号或区域）"},
	{"landlinks.1", "Verify a title extract", "核验产权登记簿摘录"},
	{"landlinks.2", "Register a parcel", "登记地块"},
	{"landlinks.2.who", " (clerks)", "（登记员）"},
	{"landlinks.3", "Register a first title", "办理首次产权登记"},
	{"landlinks.3.who", " (clerks)", "（登记员）"},
	{"landlinks.4", "Offer a transfer", "提出转让要约"},
	{"landlinks.4.who", " (owners)", "（权利人）"},
	{"landlinks.5", "Accept a transfer offer", "接受转让要约"},
	{"landlinks.5.who", " (buyers)", "（买方）"},
	{"landlinks.6", "Register a transfer", "办理转移登记"},
	{"landlinks.6.who", " (clerks)", "（登记员）"},
	{"landlinks.7", "Withdraw a transfer offer", "撤回转让要约"},
	{"landlinks.7.who", " (sellers)", "（卖方）"},
	{"landlinks.8", "Register a sale signed at settlement", "办理交割时签署的买卖登记"},
	{"landlinks.8.who", " (clerk, seller and buyer sign one transaction)", "（登记员、卖方和买方共同签署一笔交易）"},
	{"landlinks.9", "Register a mortgage", "办理抵押登记"},
	{"landlinks.9.who", " (owners and lender)", "（权利人和抵押权人）"},
	{"landlinks.10", "Discharge a mortgage", "注销抵押登记"},
	{"landlinks.10.who", " (lenders)", "（抵押权人）"},
	{"landlinks.11", "Register a lease", "办理租赁登记"},
	{"landlinks.11.who", " (owners and lessee)", "（权利人和承租人）"},
	{"landlinks.12", "End a lease", "终止租赁"},
	{"landlinks.12.who", " (lessees, clerks)", "（承租人、登记员）"},
	{"landlinks.13", "Register an easement", "办理地役权登记"},
	{"landlinks.13.who", " (owners)", "（权利人）"},
	{"landlinks.14", "End an easement", "终止地役权"},
	{"landlinks.14.who", " (clerks)", "（登记员）"},
	{"landlinks.15", "Lodge a caveat", "申请异议登记"},
	{"landlinks.15.who", " (anyone claiming an interest)", "（任何主张权益的人）"},
	{"landlinks.16", "Withdraw a caveat", "撤回异议登记"},
	{"landlinks.16.who", " (who lodged it)", "（申请人）"},
	{"landlinks.17", "Remove a caveat", "注销异议登记"},
	{"landlinks.17.who", " (clerks)", "（登记员）"},
	{"landlinks.18", "Subdivide a parcel", "分割地块"},
	{"landlinks.18.who", " (clerks)", "（登记员）"},
	{"landlinks.19", "Transmit a title", "产权继承转移"},
	{"landlinks.19.who", " (clerks)", "（登记员）"},
	{"landlinks.20", "Merge parcels", "合并地块"},
	{"landlinks.20.who", " (clerks)", "（登记员）"},
	{"landlinks.21", "Correct a record", "更正登记"},
	{"landlinks.21.who", " (clerks)", "（登记员）"},
	{"landlinks.22", "Register a party", "登记当事人"},
	{"landlinks.22.who", " (clerks)", "（登记员）"},
	{"landlinks.23", "Amend a party", "变更当事人信息"},
	{"landlinks.23.who", " (clerks)", "（登记员）"},
}

var builder = func() *catalog.Builder {
	b := catalog.NewBuilder(catalog.Fallback(English))
	for _, m := range Catalog {
		if err := b.SetString(English, m.Key, m.En); err != nil {
			panic("i18n: " + m.Key + ": " + err.Error())
		}
		if err := b.SetString(Chinese, m.Key, m.Zh); err != nil {
			panic("i18n: " + m.Key + ": " + err.Error())
		}
	}
	return b
}()

func printer(tag language.Tag) *message.Printer {
	return message.NewPrinter(tag, message.Catalog(builder))
}
