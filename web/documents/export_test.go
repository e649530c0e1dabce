package documents

// SetMaxSize lowers the upload limit for a test; it returns the undo.
func SetMaxSize(n int64) func() {
	old := maxSize
	maxSize = n
	return func() { maxSize = old }
}
