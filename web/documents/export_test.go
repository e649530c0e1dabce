package documents

// SetMaxSize lowers the upload limit for a test; it returns the undo.
func SetMaxSize(n int64) func() {
	old := maxSize
	maxSize = n
	return func() { maxSize = old }
}

// SetUploadQuota lowers the hourly upload quota for a test; it returns
// the undo.
func SetUploadQuota(n int64) func() {
	old := uploadQuota
	uploadQuota = n
	return func() { uploadQuota = old }
}
