package config

// kernelArguments checks the kernelArguments section.
func (v *validator) kernelArguments(c *KernelArguments) {}
