# tests/tpm/cmdcount.awk: the TPM commands in a swtpm log (--log
# level=20: every command's and response's bytes), counted by command code,
# and the responses that were not TPM_RC_SUCCESS.  Issue 20's count: what a
# lethe operation costs on a real TPM is its commands, not swtpm's time.
#
#   awk -v from=LINE -f tests/tpm/cmdcount.awk swtpm.log
#
# from: count only commands whose log line is after LINE (0: all; take
# `wc -l < swtpm.log` before the operation).  Prints "total N" and one line
# "COUNT NAME (0xCC)" per command code, most first; "rc NAME 0xRC" for each
# response whose code was not 0.  A command's header (tag, size, code) is
# the first 10 bytes after "SWTPM_IO_Read"; a response's code the bytes
# 6-9 after "SWTPM_IO_Write".
BEGIN {
	split("11F NV_UndefineSpaceSpecial 120 EvictControl 121 HierarchyControl 122 NV_UndefineSpace " \
	      "126 Clear 127 ClearControl 128 ClockSet 129 HierarchyChangeAuth 12A NV_DefineSpace " \
	      "12B PCR_Allocate 131 CreatePrimary 132 NV_GlobalWriteLock 134 NV_Increment " \
	      "135 NV_SetBits 136 NV_Extend 137 NV_Write 138 NV_WriteLock 139 DictionaryAttackLockReset " \
	      "13C PCR_Event 13D PCR_Reset 142 IncrementalSelfTest 143 SelfTest 144 Startup 145 Shutdown " \
	      "146 StirRandom 147 ActivateCredential 148 Certify 149 PolicyNV 14E NV_Read 14F NV_ReadLock " \
	      "151 PolicySecret 153 Create 154 ECDH_ZGen 155 HMAC 156 Import 157 Load 158 Quote " \
	      "159 RSA_Decrypt 15D Sign 15E Unseal 160 PolicySigned 161 ContextLoad 162 ContextSave " \
	      "163 ECDH_KeyGen 165 FlushContext 167 LoadExternal 168 MakeCredential 169 NV_ReadPublic " \
	      "16A PolicyAuthorize 16B PolicyAuthValue 16C PolicyCommandCode 171 PolicyOR " \
	      "173 ReadPublic 174 RSA_Encrypt 176 StartAuthSession 177 VerifySignature 17A GetCapability " \
	      "17B GetRandom 17C GetTestResult 17D Hash 17E PCR_Read 17F PolicyPCR 180 PolicyRestart " \
	      "181 ReadClock 182 PCR_Extend 184 NV_Certify 189 PolicyGetDigest 18A TestParms " \
	      "18F PolicyNvWritten 191 CreateLoaded 192 PolicyAuthorizeNV", t, " ")
	for (i = 1; i in t; i += 2)
		name["00000" t[i]] = t[i + 1]
	from += 0
}
/SWTPM_IO_Read:/ { want = (NR > from) ? "cmd" : ""; next }
/SWTPM_IO_Write:/ { want = (NR > from) ? "rsp" : ""; next }
want != "" && /^( [0-9A-F][0-9A-F])+ ?$/ {
	code = $7 $8 $9 $10
	if (want == "cmd") {
		last = code
		n[code]++
		total++
	} else if (code != "00000000") {
		printf "rc %s 0x%s\n", (last in name) ? name[last] : "0x" last, code
	}
	want = ""
}
END {
	printf "total %d\n", total
	for (c in n)
		printf "%d %s (0x%s)\n", n[c], (c in name) ? name[c] : "?", substr(c, 5) | "sort -k1,1nr -k2"
}
